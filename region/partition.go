package region

import (
	"regexp"
	"sort"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
)

// Partition is an AWS partition: a group of regions that share credentials, an ARN prefix
// and a DNS suffix.
type Partition struct {
	// ID is the partition name used in ARNs, such as "aws" or "aws-cn".
	ID string
	// DNSSuffix is the domain service hosts live under, such as "amazonaws.com".
	DNSSuffix string
}

// Partition identifiers, as used in ARNs.
const (
	PartitionAWS      = "aws"
	PartitionChina    = "aws-cn"
	PartitionGovCloud = "aws-us-gov"
	PartitionISO      = "aws-iso"
	PartitionISOB     = "aws-iso-b"
	PartitionISOE     = "aws-iso-e"
	PartitionISOF     = "aws-iso-f"
	PartitionEUSC     = "aws-eusc"
)

type partitionRow struct {
	partition Partition
	// pattern matches the region codes of the partition.
	pattern func() *regexp.Regexp
	// dualStackSuffix is the DNS suffix of dual-stack (IPv4 and IPv6) endpoints; empty
	// where the partition has none we know of.
	dualStackSuffix string
	// consoleHost is the host of the management console; empty where it is not public.
	consoleHost string
}

// partitions is the partition table. Source: aws-sdk-go-v2
// internal/endpoints/awsrulesfn/partitions.json (region patterns and DNS suffixes) and the
// ECR endpoint documentation (dual-stack suffixes).
var partitions = []partitionRow{
	{Partition{PartitionAWS, "amazonaws.com"}, lazyregexp.New(`^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$`), "on.aws", "console.aws.amazon.com"},
	{Partition{PartitionChina, "amazonaws.com.cn"}, lazyregexp.New(`^cn-\w+-\d+$`), "on.amazonwebservices.com.cn", "console.amazonaws.cn"},
	{Partition{PartitionGovCloud, "amazonaws.com"}, lazyregexp.New(`^us-gov-\w+-\d+$`), "on.aws", "console.amazonaws-us-gov.com"},
	{Partition{PartitionISO, "c2s.ic.gov"}, lazyregexp.New(`^us-iso-\w+-\d+$`), "", ""},
	{Partition{PartitionISOB, "sc2s.sgov.gov"}, lazyregexp.New(`^us-isob-\w+-\d+$`), "", ""},
	{Partition{PartitionISOE, "cloud.adc-e.uk"}, lazyregexp.New(`^eu-isoe-\w+-\d+$`), "", ""},
	{Partition{PartitionISOF, "csp.hci.ic.gov"}, lazyregexp.New(`^us-isof-\w+-\d+$`), "", ""},
	{Partition{PartitionEUSC, "amazonaws.eu"}, lazyregexp.New(`^eusc-(de)-\w+-\d+$`), "", ""},
}

// Partitions returns every partition the library knows, in a fixed order starting with
// "aws".
func Partitions() []Partition {
	out := make([]Partition, len(partitions))
	for i, p := range partitions {
		out[i] = p.partition
	}
	return out
}

// LookupPartition returns the partition with the given ID ("aws", "aws-cn", ...). The ID is
// trimmed and matched without regard to case.
func LookupPartition(id string) (Partition, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	for _, p := range partitions {
		if p.partition.ID == id {
			return p.partition, nil
		}
	}
	ids := make([]string, len(partitions))
	for i, p := range partitions {
		ids[i] = p.partition.ID
	}
	sort.Strings(ids)
	return Partition{}, &UnsupportedError{
		Code:   id,
		Kind:   "partition",
		Reason: "known partitions are " + strings.Join(ids, ", "),
	}
}

// PartitionOf returns the partition a region code belongs to, judged by the code's shape
// alone (so it also answers for regions the Envoy image is not published in, such as
// GovCloud, which matters for images mirrored there). It reports false for codes that fit
// no partition.
func PartitionOf(code string) (Partition, bool) {
	row, ok := partitionRowOf(strings.ToLower(strings.TrimSpace(code)))
	return row.partition, ok
}

func partitionRowOf(code string) (partitionRow, bool) {
	// More specific patterns (us-gov-, us-iso-, ...) must win over the broad "aws" one.
	for _, p := range partitions[1:] {
		if p.pattern().MatchString(code) {
			return p, true
		}
	}
	if partitions[0].pattern().MatchString(code) {
		return partitions[0], true
	}
	return partitionRow{}, false
}

func rowOfPartition(id string) partitionRow {
	for _, p := range partitions {
		if p.partition.ID == id {
			return p
		}
	}
	return partitionRow{}
}

// DualStackDNSSuffix returns the DNS suffix of the partition's dual-stack (IPv4 and IPv6)
// endpoints, "on.aws" for "aws", or "" where the partition has none.
func (p Partition) DualStackDNSSuffix() string { return rowOfPartition(p.ID).dualStackSuffix }

// ConsoleHost returns the host of the partition's AWS management console, or "" where it
// has no public console.
func (p Partition) ConsoleHost() string { return rowOfPartition(p.ID).consoleHost }

// String returns the partition ID.
func (p Partition) String() string { return p.ID }

// PartitionOfHost returns the partition of a host in the form
// "<...>.<regionLabel>.<suffix>", such as an ECR registry host, judged by its DNS suffix:
// the partition whose DNS suffix or dual-stack DNS suffix it is, and whether it is the
// dual-stack one. "amazonaws.com" and "on.aws" are shared by the commercial partition and
// GovCloud: a label starting "us-gov-" is GovCloud, any other the commercial partition —
// including regions launched after this table was written, as the ECR credential helper
// and Kubernetes' cloud-provider-aws accept them. A label that has the shape of another
// partition's regions (cn-north-1 under amazonaws.com) fits none, and so does an unknown
// suffix: ok is false then. Label and suffix are compared in lower case.
func PartitionOfHost(regionLabel, suffix string) (p Partition, dualStack, ok bool) {
	label, suffix := strings.ToLower(regionLabel), strings.ToLower(suffix)
	if label == "" {
		return Partition{}, false, false
	}
	var candidates []partitionRow
	for _, row := range partitions {
		if row.partition.DNSSuffix == suffix || (row.dualStackSuffix != "" && row.dualStackSuffix == suffix) {
			candidates = append(candidates, row)
		}
	}
	shaped, hasShape := partitionRowOf(label)
	for _, row := range candidates {
		dual := row.dualStackSuffix == suffix && row.partition.DNSSuffix != suffix
		switch {
		case row.partition.ID == PartitionAWS:
			// Any label that is not shaped like another partition's regions.
			if !hasShape || shaped.partition.ID == PartitionAWS {
				if !strings.HasPrefix(label, "us-gov-") {
					return row.partition, dual, true
				}
			}
		case hasShape && shaped.partition.ID == row.partition.ID:
			return row.partition, dual, true
		}
	}
	return Partition{}, false, false
}
