package sidecar

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Identity variables of the Envoy container. The agent reads the first one that is not
// empty after trimming, in the order [EnvResourceARN], [EnvResourceName],
// [EnvVirtualNodeName] (getNodeId in agent/envoy_bootstrap/envoy_bootstrap.go of
// aws/amazon-ecs-service-connect-agent).
const (
	// EnvResourceARN carries a virtual node or virtual gateway as a full ARN or as the
	// short form mesh/<mesh>/virtualNode/<name>. Images from v1.15.0.0 read it.
	EnvResourceARN = "APPMESH_RESOURCE_ARN"
	// EnvResourceName is a legacy identity variable; the agent reads it like
	// [EnvResourceARN].
	EnvResourceName = "APPMESH_RESOURCE_NAME"
	// EnvVirtualNodeName is the oldest identity variable; the agent reads it like
	// [EnvResourceARN] (the App Mesh controller for Kubernetes puts virtual gateways in it
	// too).
	EnvVirtualNodeName = "APPMESH_VIRTUAL_NODE_NAME"
)

// ResourceKind is the kind of App Mesh resource an Envoy proxy represents.
type ResourceKind string

// Resource kinds, spelled as in resource ARNs.
const (
	KindVirtualNode    ResourceKind = "virtualNode"
	KindVirtualGateway ResourceKind = "virtualGateway"
)

// Services of App Mesh resource ARNs.
const (
	// ServiceAppMesh is the service of App Mesh ARNs: arn:aws:appmesh:...
	ServiceAppMesh = "appmesh"
	// ServiceAppMeshPreview is the service of the App Mesh preview channel's ARNs
	// (https://docs.aws.amazon.com/app-mesh/latest/userguide/preview.html).
	ServiceAppMeshPreview = "appmesh-preview"
)

// Resource is a parsed identity value: a virtual node or virtual gateway of a mesh, given
// either in short form (Partition, Service, Region and Account empty) or as an ARN. The
// zero value is not a resource; String returns a malformed "mesh///" for it.
type Resource struct {
	// Partition, Service, Region and Account are set only for the ARN form. Service is
	// [ServiceAppMesh] or [ServiceAppMeshPreview]; String writes appmesh when it is empty.
	Partition, Service, Region, Account string
	// Mesh is the mesh name.
	Mesh string
	// MeshOwner is the account that owns a mesh shared with this one, in the short form
	// mesh/<mesh>@<owner>/virtualNode/<name> that the App Mesh controller for Kubernetes
	// writes (getAugmentedMeshName in pkg/inject/envoy.go of
	// aws/aws-app-mesh-controller-for-k8s); empty otherwise. An ARN names the owner in
	// its account field instead.
	MeshOwner string
	// Kind is [KindVirtualNode] or [KindVirtualGateway].
	Kind ResourceKind
	// Name is the virtual node or virtual gateway name.
	Name string
}

// IsARN reports whether r was given as a full ARN.
func (r Resource) IsARN() bool { return r.Partition != "" }

// String returns the ARN form when r has a partition, else the short form.
func (r Resource) String() string {
	mesh := r.Mesh
	if r.MeshOwner != "" {
		mesh += "@" + r.MeshOwner
	}
	short := "mesh/" + mesh + "/" + string(r.Kind) + "/" + r.Name
	if !r.IsARN() {
		return short
	}
	service := r.Service
	if service == "" {
		service = ServiceAppMesh
	}
	return arn.ARN{Partition: r.Partition, Service: service, Region: r.Region, AccountID: r.Account, Resource: short}.String()
}

// ErrInvalidResource is matched (with errors.Is) by the errors of [ParseResource]. Its
// code is invalid-resource.
var ErrInvalidResource = errcode.New(errcode.InvalidResource, "invalid app mesh resource")

var (
	partitionRe = lazyregexp.New(`^aws(-[a-z]+)*$`)
	regionRe    = lazyregexp.New(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	accountRe   = lazyregexp.New(`^\d{12}$`)
	// nameRe is App Mesh's name rule: 1–255 letters, digits, '-', '_' and '.', starting
	// with a letter or digit (AWS App Mesh API Reference, CreateVirtualNode, meshName and
	// virtualNodeName).
	nameRe = lazyregexp.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$`)
)

// ParseResource parses an identity value: mesh/<mesh>/virtualNode/<name>,
// mesh/<mesh>/virtualGateway/<name>, the shared-mesh form
// mesh/<mesh>@<owner-account>/virtualNode/<name>, or the ARN form
// arn:<partition>:appmesh:<region>:<account>:mesh/<mesh>/virtualNode/<name> in any
// partition, including the preview channel's appmesh-preview ARNs. Errors match
// [ErrInvalidResource] and say which part is wrong.
func ParseResource(s string) (Resource, error) {
	r, why := parseResource(s)
	if why != "" {
		return Resource{}, errcode.Wrap(ErrInvalidResource, "invalid app mesh resource "+quote.Input(s)+": "+why, nil)
	}
	return r, nil
}

// parseResource is ParseResource with the reason as a string ("" when s is valid).
func parseResource(s string) (Resource, string) {
	var r Resource
	rest := s
	if strings.HasPrefix(s, "arn:") {
		a, err := arn.Parse(s)
		if err != nil {
			return Resource{}, "an ARN has six colon-separated fields: arn:<partition>:appmesh:<region>:<account>:mesh/<mesh>/virtualNode/<name>"
		}
		switch {
		case !partitionRe().MatchString(a.Partition):
			return Resource{}, "partition " + quote.Input(a.Partition) + " is not an AWS partition such as aws or aws-cn"
		case a.Service != ServiceAppMesh && a.Service != ServiceAppMeshPreview:
			return Resource{}, "service " + quote.Input(a.Service) + " is neither appmesh nor appmesh-preview"
		case !regionRe().MatchString(a.Region):
			return Resource{}, "region " + quote.Input(a.Region) + " is not a region code such as us-west-2"
		case !accountRe().MatchString(a.AccountID):
			return Resource{}, "account " + quote.Input(a.AccountID) + " is not a 12-digit account ID"
		}
		r.Partition, r.Service, r.Region, r.Account = a.Partition, a.Service, a.Region, a.AccountID
		rest = a.Resource
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[0] != "mesh" {
		return Resource{}, "want mesh/<mesh>/virtualNode/<name> or mesh/<mesh>/virtualGateway/<name>"
	}
	r.Mesh, r.Kind, r.Name = parts[1], ResourceKind(parts[2]), parts[3]
	if r.Kind != KindVirtualNode && r.Kind != KindVirtualGateway {
		return Resource{}, "resource type " + quote.Input(parts[2]) + " is neither virtualNode nor virtualGateway"
	}
	if mesh, owner, ok := strings.Cut(r.Mesh, "@"); ok {
		switch {
		case r.IsARN():
			return Resource{}, "the mesh owner goes in the ARN's account field, not after @ in the mesh name"
		case !accountRe().MatchString(owner):
			return Resource{}, "mesh owner " + quote.Input(owner) + " is not a 12-digit account ID"
		}
		r.Mesh, r.MeshOwner = mesh, owner
	}
	if why := badName(r.Mesh); why != "" {
		return Resource{}, "mesh name " + quote.Input(r.Mesh) + " " + why
	}
	if why := badName(r.Name); why != "" {
		return Resource{}, string(r.Kind) + " name " + quote.Input(r.Name) + " " + why
	}
	return r, ""
}

// badName says why name is not an App Mesh name, or "".
func badName(name string) string {
	switch {
	case name == "":
		return "is empty"
	case len(name) > 255:
		return "is longer than 255 characters"
	case !nameRe().MatchString(name):
		return "has characters App Mesh names cannot have (letters, digits, '-', '_' and '.', starting with a letter or digit)"
	}
	return ""
}
