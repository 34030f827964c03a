package registry

import (
	"context"
	"hash"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// BlobExists reports whether repo holds the blob d (HEAD, ecr:BatchCheckLayerAvailability
// in ECR). A registry that reports another size for it is an error matching
// [ErrDigestMismatch].
func (c *Client) BlobExists(ctx context.Context, repo Repo, d Descriptor) (bool, error) {
	op, name := "check blob", repo.String()+"@"+d.Digest
	if !ValidDigest(d.Digest) {
		return false, badReference(op, repo, d.Digest)
	}
	resp, err := c.do(ctx, call{op: op, ref: name, method: http.MethodHead, repo: repo, path: "blobs/" + d.Digest})
	if err != nil {
		return false, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		drain(resp)
		if resp.ContentLength >= 0 && resp.ContentLength != d.Size {
			return false, &Error{Op: op, Ref: name, Message: "the registry holds it with " + itoa(resp.ContentLength) + " bytes, the manifest says " + itoa(d.Size),
				Kind: ErrDigestMismatch, Hint: "the registry's copy is not this blob"}
		}
		return true, nil
	case http.StatusNotFound:
		drain(resp)
		return false, nil
	}
	return false, statusError(op, name, resp)
}

// OpenBlob returns the content of blob d of repo (GET, following the registry's redirect
// to its storage under the rules of the package documentation). The reader returns
// exactly d.Size bytes: fewer, more, or bytes that do not hash to d.Digest make its
// last Read fail with an error matching [ErrDigestMismatch], so nothing unverified is
// ever taken for the whole blob. The caller closes it. Foreign layers are refused: their
// URLs are never followed.
func (c *Client) OpenBlob(ctx context.Context, repo Repo, d Descriptor) (io.ReadCloser, error) {
	op, name := "read blob", repo.String()+"@"+d.Digest
	if !ValidDigest(d.Digest) || d.Size < 0 {
		return nil, badReference(op, repo, d.Digest)
	}
	if d.Foreign() {
		return nil, &Error{Op: op, Ref: name, Message: "a foreign layer: registries do not hold it and its URLs are not followed", Kind: ErrUnsupported}
	}
	resp, err := c.do(ctx, call{op: op, ref: name, method: http.MethodGet, repo: repo, path: "blobs/" + d.Digest})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(op, name, resp)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != d.Size {
		resp.Body.Close()
		return nil, &Error{Op: op, Ref: name, Message: "the registry sends " + itoa(resp.ContentLength) + " bytes, the manifest says " + itoa(d.Size),
			Kind: ErrDigestMismatch, Hint: "do not trust this registry's answer"}
	}
	return &verifier{c: c, ctx: ctx, op: op, ref: name, body: resp.Body, want: d, h: newHash(d.Digest), left: d.Size}, nil
}

// verifier reads a blob to its descriptor's size and checks its digest at the end.
type verifier struct {
	c    *Client
	ctx  context.Context
	op   string
	ref  string
	body io.ReadCloser
	want Descriptor
	h    hash.Hash
	left int64
	err  error
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.left == 0 {
		// The descriptor's size is read: the stream must end here, and the digest match.
		var one [1]byte
		if n, _ := io.ReadFull(v.body, one[:]); n > 0 {
			v.err = &Error{Op: v.op, Ref: v.ref, Message: "more bytes than the descriptor's " + itoa(v.want.Size), Kind: ErrDigestMismatch,
				Hint: "do not trust this registry's answer"}
			return 0, v.err
		}
		if got := sumString(v.h, v.want.Digest); got != v.want.Digest {
			v.err = &Error{Op: v.op, Ref: v.ref, Message: "the content hashes to " + got, Kind: ErrDigestMismatch,
				Hint: "do not trust this registry's answer (a proxy or the registry changed it)"}
			return 0, v.err
		}
		v.err = io.EOF
		return 0, io.EOF
	}
	if int64(len(p)) > v.left {
		p = p[:v.left]
	}
	n, err := v.body.Read(p)
	v.h.Write(p[:n])
	v.left -= int64(n)
	if err == io.EOF {
		if v.left > 0 {
			v.err = &Error{Op: v.op, Ref: v.ref, Message: "the content ended " + itoa(v.left) + " bytes short of the descriptor's " + itoa(v.want.Size),
				Kind: ErrDigestMismatch, Hint: "the transfer was cut; try again"}
			return n, v.err
		}
		err = nil
	}
	if err != nil {
		v.err = v.c.transportError(v.op, v.ref, v.ctx, nil, err).err
		return n, v.err
	}
	return n, nil
}

func (v *verifier) Close() error { return v.body.Close() }

// Mount asks repo's registry to link blob d from the repository from of the same
// endpoint (the OCI distribution spec's cross-repository mount), instead of uploading
// it. It reports false when the registry started an upload instead (which is then
// cancelled): the blob must be uploaded. Only call it within one registry: ECR mounts
// only within one account and region.
func (c *Client) Mount(ctx context.Context, repo Repo, d Descriptor, from Repo) (bool, error) {
	op, name := "mount blob", repo.String()+"@"+d.Digest
	if !ValidDigest(d.Digest) {
		return false, badReference(op, repo, d.Digest)
	}
	ep, err := c.Endpoint(repo.Host)
	if err != nil {
		return false, err
	}
	resp, err := c.do(ctx, call{op: op, ref: name, method: http.MethodPost, repo: repo, path: "blobs/uploads/", push: true, from: &from,
		query: url.Values{"mount": {d.Digest}, "from": {wireName(ep, from.Name)}}})
	if err != nil {
		return false, err
	}
	switch resp.StatusCode {
	case http.StatusCreated:
		drain(resp)
		return true, nil
	case http.StatusAccepted:
		drain(resp)
		if loc, err := location(resp); err == nil {
			c.cancelUpload(ctx, repo, loc)
		}
		return false, nil
	}
	return false, statusError(op, name, resp)
}

// Upload writes blob d into repo from body, which must hold exactly d.Size bytes that
// hash to d.Digest: POST to start, one PATCH that streams body, PUT with the digest to
// finish (the sequence docker and ECR use). Nothing is buffered. An upload that fails is
// cancelled; the registry checks the digest before it keeps the blob.
func (c *Client) Upload(ctx context.Context, repo Repo, d Descriptor, body io.Reader) error {
	op, name := "upload blob", repo.String()+"@"+d.Digest
	if !ValidDigest(d.Digest) || d.Size < 0 {
		return badReference(op, repo, d.Digest)
	}
	resp, err := c.do(ctx, call{op: op, ref: name, method: http.MethodPost, repo: repo, path: "blobs/uploads/", push: true,
		body: func() io.Reader { return http.NoBody }, size: 0, replay: true})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusAccepted {
		return statusError(op, name, resp)
	}
	drain(resp)
	loc, err := location(resp)
	if err != nil {
		return &Error{Op: op, Ref: name, Message: err.Error(), Kind: ErrProtocol}
	}
	ok := false
	defer func() {
		if !ok {
			c.cancelUpload(ctx, repo, loc)
		}
	}()
	resp, err = c.do(ctx, call{op: op, ref: name, method: http.MethodPatch, abs: loc, repo: repo, push: true,
		header: http.Header{"Content-Type": {"application/octet-stream"}},
		body:   func() io.Reader { return body }, size: d.Size})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusNoContent {
		return statusError(op, name, resp)
	}
	drain(resp)
	if next, err := location(resp); err == nil {
		loc = next
	}
	resp, err = c.do(ctx, call{op: op, ref: name, method: http.MethodPut, abs: loc, repo: repo, push: true,
		query: url.Values{"digest": {d.Digest}}, body: func() io.Reader { return http.NoBody }, size: 0, replay: true})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusAccepted {
		return statusError(op, name, resp)
	}
	drain(resp)
	ok = true
	return nil
}

// location returns an answer's Location, resolved against its request URL.
func location(resp *http.Response) (*url.URL, error) {
	l := resp.Header.Get("Location")
	if l == "" {
		return nil, errNoLocation
	}
	u, err := resp.Request.URL.Parse(l)
	if err != nil {
		return nil, &Error{Op: "upload blob", Message: "bad Location " + quote.Input(l), Kind: ErrProtocol}
	}
	return u, nil
}

var errNoLocation = &Error{Op: "upload blob", Message: "the registry's answer has no Location", Kind: ErrProtocol}

// cancelUpload deletes an upload session, best effort, even when ctx is done.
func (c *Client) cancelUpload(ctx context.Context, repo Repo, loc *url.URL) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	resp, err := c.do(ctx, call{op: "cancel upload", ref: repo.String(), method: http.MethodDelete, abs: loc, repo: repo, push: true})
	if err == nil {
		drain(resp)
	}
}
