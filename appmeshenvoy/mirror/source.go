package mirror

import (
	"context"
	"strconv"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

// image is the content of one source image: the top manifest (an index or a
// manifest), the manifests below it and the blobs they reference.
type image struct {
	top registry.Manifest
	// children are the manifests below top, each once, children before their parent
	// index, so that writing them in order writes nothing before what it references.
	children []registry.Manifest
	// blobs are the configs and layers, each once, foreign layers left out.
	blobs []registry.Descriptor
	// bytes is the sum of the blobs' sizes.
	bytes int64
}

// fetchSource reads the image ref names in src: the manifest or index and, for an
// index, every manifest it references, each checked against its descriptor (digest,
// size, media type).
func (m *Mirror) fetchSource(ctx context.Context, src registry.Repo, ref string) (*image, error) {
	top, err := m.reg.GetManifest(ctx, src, ref)
	if err != nil {
		return nil, err
	}
	img := &image{top: top}
	seenManifest := map[string]bool{top.Digest: true}
	seenBlob := map[string]bool{}
	var walk func(mf registry.Manifest, level int) error
	walk = func(mf registry.Manifest, level int) error {
		c, err := mf.Contents()
		if err != nil {
			return err
		}
		for _, b := range c.Blobs {
			if b.Foreign() || seenBlob[b.Digest] {
				continue
			}
			seenBlob[b.Digest] = true
			img.blobs = append(img.blobs, b)
			img.bytes += b.Size
		}
		if !c.Index {
			return nil
		}
		if level >= MaxIndexDepth {
			return &registry.Error{Op: "read manifest", Ref: src.String() + "@" + mf.Digest, Kind: registry.ErrUnsupported,
				Message: "indexes nested deeper than " + strconv.Itoa(MaxIndexDepth) + " levels"}
		}
		for _, d := range c.Manifests {
			if seenManifest[d.Digest] {
				continue
			}
			seenManifest[d.Digest] = true
			if len(seenManifest) > MaxManifests {
				return &registry.Error{Op: "read manifest", Ref: src.String() + "@" + top.Digest, Kind: registry.ErrUnsupported,
					Message: "more than " + strconv.Itoa(MaxManifests) + " manifests in one image"}
			}
			child, err := m.reg.GetManifest(ctx, src, d.Digest)
			if err != nil {
				return err
			}
			if int64(len(child.Bytes)) != d.Size || child.MediaType != d.MediaType {
				return &registry.Error{Op: "read manifest", Ref: src.String() + "@" + d.Digest, Kind: registry.ErrDigestMismatch,
					Message: "the index says " + d.MediaType + " of " + strconv.FormatInt(d.Size, 10) + " bytes, the registry sent " +
						child.MediaType + " of " + strconv.Itoa(len(child.Bytes)),
					Hint: "do not trust this registry's answer"}
			}
			if err := walk(child, level+1); err != nil {
				return err
			}
			img.children = append(img.children, child)
		}
		return nil
	}
	if err := walk(top, 1); err != nil {
		return nil, err
	}
	return img, nil
}
