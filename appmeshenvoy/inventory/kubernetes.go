package inventory

import (
	"strconv"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/manifest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// ErrMalformedManifest is matched by the errors of [Kubernetes] for input that is not
// YAML or JSON (code invalid-input).
var ErrMalformedManifest error = errcode.New(errcode.InvalidInput, "malformed manifest")

// MaxManifestSize is the largest input [Kubernetes] reads (32 MiB).
const MaxManifestSize = manifest.MaxSize

// Kubernetes returns the Envoy containers (see [Matcher]) of the Kubernetes manifests in
// data, in the order they appear, each with its workload (namespace, kind, name), its
// position in file, and its verdicts. data is YAML or JSON with any number of documents,
// and List kinds such as the output of "kubectl get pods,deployments -A -o json"; pods,
// pod templates, CronJobs and every workload with a pod template (spec.template.spec)
// are read, containers and init containers alike. file is the name the containers and
// errors report ("-" for standard input).
//
// No cluster and no AWS call is needed: versions are compared with the final release
// ([FinalImage]), the latest image of every region since App Mesh's end of support.
// The error, for input that is not YAML or JSON or an Envoy image value that is not an
// image reference, names file, line and column and matches [ErrMalformedManifest].
func Kubernetes(file string, data []byte, m Matcher) ([]Container, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	imgs, err := manifest.Kubernetes(data)
	if err != nil {
		return nil, errcode.Wrap(ErrMalformedManifest, quote.Text(file, 256)+": "+err.Error(), err)
	}
	var out []Container
	for _, im := range imgs {
		img, ok, err := m.Match(im.Value)
		if err != nil {
			return nil, errcode.Wrap(ErrMalformedManifest, quote.Text(file, 256)+":"+strconv.Itoa(im.Line)+":"+strconv.Itoa(im.Column)+": "+err.Error(), err)
		}
		if !ok {
			continue
		}
		latest := FinalImage(img.Region())
		out = append(out, Container{
			Platform: PlatformKubernetes, File: file, Line: im.Line, Column: im.Column,
			Namespace: im.Namespace, Kind: im.Kind, Workload: im.Name, Init: im.Init,
			Name: im.Container, Reference: im.Value, Image: img, Source: SourceOf(img),
			Latest: latest, LatestSource: appmeshenvoy.SourceBuiltin, Verdicts: Assess(img, latest),
		})
	}
	return out, nil
}
