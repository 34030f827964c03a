package region

import (
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// ErrMixedPartitions is matched by the error of [Select] when the regions given belong to
// more than one partition: one set of credentials (and one IAM policy) lives in one
// partition, so run once per partition.
var ErrMixedPartitions error = errcode.New(errcode.MixedPartitions, "regions of more than one partition")

// ErrNoRegion is matched by the error of [Select] when nothing names a region: no codes,
// not every region of a partition, and no default region.
var ErrNoRegion error = errcode.New(errcode.InvalidInput, "no region")

// Selection is a choice of regions within one partition, stated the way a command line or
// a configuration states it. The zero Selection selects nothing ([Select] fails).
type Selection struct {
	// Codes are region codes as given: any letter case, surrounding space, repeats.
	Codes []string
	// All selects every supported region of one partition: Partition when set, else the
	// partition of the first of Codes, else that of Default, else "aws". Codes, when
	// also given, must belong to that partition.
	All bool
	// Partition is a partition ID ("aws", "aws-cn"). With All it names the partition;
	// with Codes, they must belong to it.
	Partition string
	// Default is the configured region (AWS_REGION, the profile's region). It is the
	// selection when neither Codes nor All is given, and picks the partition of All when
	// neither Partition nor Codes does. An empty Default is no default.
	Default string
}

// Select returns the regions s selects, each once: the codes normalized and in the order
// given, or with All every supported region of the partition in table order.
//
// Errors: an unsupported code or partition gives an [*UnsupportedError] (matching
// [ErrUnsupported]); regions of two partitions, or codes outside Partition, match
// [ErrMixedPartitions]; a selection of nothing matches [ErrNoRegion]; a partition without
// a published image (such as "aws-us-gov") gives an error matching [ErrUnsupported] that
// says to mirror the image.
func Select(s Selection) ([]Region, error) {
	var part Partition
	if s.Partition != "" {
		p, err := LookupPartition(s.Partition)
		if err != nil {
			return nil, err
		}
		part = p
	}
	var picked []Region
	seen := map[string]bool{}
	for _, c := range s.Codes {
		r, err := Lookup(c)
		if err != nil {
			return nil, err
		}
		if part.ID == "" {
			part = r.Partition
		} else if r.Partition.ID != part.ID {
			return nil, mixed(r, part)
		}
		if !seen[r.Code] {
			seen[r.Code] = true
			picked = append(picked, r)
		}
	}
	if !s.All {
		if len(picked) > 0 {
			return picked, nil
		}
		if strings.TrimSpace(s.Default) == "" {
			return nil, errcode.Wrap(ErrNoRegion, "no region: name one (such as us-west-2), select every region of a partition, or configure a default region (AWS_REGION)", nil)
		}
		r, err := Lookup(s.Default)
		if err != nil {
			return nil, err
		}
		if part.ID != "" && r.Partition.ID != part.ID {
			return nil, mixed(r, part)
		}
		return []Region{r}, nil
	}
	if part.ID == "" {
		part, _ = LookupPartition(PartitionAWS)
		if p, ok := PartitionOf(strings.ToLower(strings.TrimSpace(s.Default))); ok && s.Default != "" {
			part = p
		}
	}
	all, err := InPartition(part.ID)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, &UnsupportedError{Code: part.ID, Kind: "partition",
			Reason: "no App Mesh Envoy image is published in this partition; mirror the image into your own ECR repository and use that"}
	}
	return all, nil
}

func mixed(r Region, p Partition) error {
	return errcode.Wrap(ErrMixedPartitions, "region "+r.Code+" is in partition "+r.Partition.ID+", not "+p.ID+
		"; one set of credentials works in one partition: run once per partition", nil)
}
