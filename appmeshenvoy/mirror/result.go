package mirror

import (
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// Status is the outcome of one destination.
type Status string

// Statuses of a [Result].
const (
	// StatusCopied: the image was written and the tag created.
	StatusCopied Status = "copied"
	// StatusUpToDate: the tag already pointed at the source digest; nothing was written.
	StatusUpToDate Status = "up-to-date"
	// StatusMoved: the tag pointed at another digest and [Request.Force] moved it.
	StatusMoved Status = "moved"
	// StatusPlanned: [Request.DryRun]: what a copy would do is in the result.
	StatusPlanned Status = "planned"
	// StatusFailed: see Err.
	StatusFailed Status = "failed"
)

// Result is the outcome for one destination repository and one tag.
type Result struct {
	// Region is the source region ("" for a gallery source without region).
	Region string
	// Source is the source image: registry, repository, tag and digest (the digest is
	// empty when the source could not be read).
	Source appmeshenvoy.Image
	// Destination is the destination repository, "host/path", {region} expanded.
	Destination string
	// Tag is the tag written (or to write).
	Tag string
	// Image is the destination image with tag and digest, ready to paste into a task
	// definition or pod spec ("host/path:tag@sha256:..."). Its digest is the source's.
	Image appmeshenvoy.Image
	// Status is the outcome.
	Status Status
	// RepositoryCreated reports that the repository was created (with DryRun: would
	// be created).
	RepositoryCreated bool
	// BlobsCopied and BytesCopied count the blobs uploaded (with DryRun: to upload)
	// and their bytes; BlobsMounted the blobs linked from another repository of the
	// same registry; BlobsSkipped those the destination held already.
	BlobsCopied, BlobsMounted, BlobsSkipped int
	BytesCopied                             int64
	// Manifests is the number of manifests (the index and its children) written (with
	// DryRun: to write).
	Manifests int
	// Verified reports that [Request.Verify] re-read everything from the destination
	// and found it exact.
	Verified bool
	// Err is the error of a failed destination; appmeshenvoy.CodeOf gives its code.
	Err error
}

// Progress reports the transfer to one destination. [Options.Progress] receives it
// when a blob starts or ends and every few MiB.
type Progress struct {
	// Destination and Tag say which result it is about.
	Destination, Tag string
	// BlobsDone of BlobsTotal blobs are in place (copied, mounted or already there).
	BlobsDone, BlobsTotal int
	// BytesDone of BytesTotal bytes are uploaded (bytes of blobs already in place
	// count neither).
	BytesDone, BytesTotal int64
	// Done reports the destination's last report: its result is final.
	Done bool
	// Status is the status when Done.
	Status Status
}
