package inventory

import (
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// Platform names where a container was found.
type Platform string

// Platforms.
const (
	// PlatformECS: an Amazon ECS task definition run by one or more services.
	PlatformECS Platform = "ecs"
	// PlatformKubernetes: a Kubernetes manifest (a workload's pod template or a pod).
	PlatformKubernetes Platform = "kubernetes"
)

// Container is one Envoy container found: where it is, its image, and the verdicts. The
// fields of the other platform are empty. Container is a plain value.
type Container struct {
	// Platform says where the container was found.
	Platform Platform

	// Account is the ECS task definition's account (ECS).
	Account string
	// Region is the ECS task definition's region (ECS).
	Region string
	// TaskDefinition is the task definition ARN (ECS).
	TaskDefinition string
	// Services are the ARNs of the services whose deployments run the task definition,
	// sorted (ECS).
	Services []string

	// File is the name of the manifest file, "-" for standard input (Kubernetes).
	File string
	// Line and Column locate the image value in File, from 1 (Kubernetes).
	Line, Column int
	// Namespace is the workload's namespace, "" when the manifest names none
	// (Kubernetes).
	Namespace string
	// Kind and Workload are the workload's kind and name, such as "Deployment" and
	// "web" (Kubernetes).
	Kind, Workload string
	// Init reports an init container (Kubernetes initContainers).
	Init bool

	// Name is the container's name.
	Name string
	// Reference is the image reference as written.
	Reference string
	// Image is the reference taken apart; Tag is empty for a reference without tag or
	// digest (which pulls "latest").
	Image appmeshenvoy.Image
	// Source says where the image is pulled from.
	Source Source
	// Latest is what the version was compared with: the latest image of the region, or
	// the final release (see LatestSource).
	Latest appmeshenvoy.Image
	// LatestSource says where Latest came from: appmeshenvoy.SourceSSM, or
	// appmeshenvoy.SourceBuiltin for the final release.
	LatestSource appmeshenvoy.Source
	// Verdicts are the verdicts, in the order of [Verdicts]; [VerdictOK] alone when none
	// applies.
	Verdicts []Verdict
}

// Pinned reports whether the reference names a digest.
func (c Container) Pinned() bool { return c.Image.Digest != "" }

// Has reports whether the container has any of verdicts.
func (c Container) Has(verdicts ...Verdict) bool {
	for _, v := range c.Verdicts {
		for _, w := range verdicts {
			if v == w {
				return true
			}
		}
	}
	return false
}

// Failure is a part of an inventory that could not be read: an account whose role could
// not be assumed, a region without ECS access, a cluster or task definition that could
// not be read, a region whose latest image could not be resolved. The rest of the
// inventory is still there. Failure is a plain value.
type Failure struct {
	// Account is the account, or "" for the caller's own account when its ID is not
	// known.
	Account string
	// Region is the region, or "" when the failure concerns every region of the account
	// (a role that could not be assumed).
	Region string
	// Action is the IAM action of the call that failed, such as "sts:AssumeRole" or
	// "ecs:ListServices".
	Action string
	// Resource is what the call was about: a role, cluster or task definition ARN, or
	// "*".
	Resource string
	// Err is the error; appmeshenvoy.CodeOf gives its stable code.
	Err error
}

// Report is the result of an inventory: the Envoy containers found and the parts that
// could not be read.
type Report struct {
	// Containers are the Envoy containers found, sorted by account, region, task
	// definition and container (ECS) or by file and position (Kubernetes).
	Containers []Container
	// Failures are the parts that could not be read, sorted by account and region.
	Failures []Failure
	// Scanned is the number of (account, region) pairs scanned, failed ones included
	// (ECS).
	Scanned int
	// Services is the number of services read (ECS).
	Services int
}

// Any reports whether any container has one of verdicts.
func (r Report) Any(verdicts ...Verdict) bool {
	for _, c := range r.Containers {
		if c.Has(verdicts...) {
			return true
		}
	}
	return false
}
