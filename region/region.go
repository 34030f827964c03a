package region

import (
	"net/url"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Names shared by every region.
const (
	// RepositoryName is the ECR repository that holds the Envoy image in every region.
	RepositoryName = "aws-appmesh-envoy"
	// ParameterName is the public SSM parameter whose value, read in a region, is the
	// URI of the latest Envoy image there.
	ParameterName = "/aws/service/appmesh/envoy"
	// PublicRepository is the copy of the image in the ECR Public Gallery. It needs no
	// credentials; anonymous pulls are capped at 500 GB a month, and ECR VPC endpoints do
	// not serve it.
	PublicRepository = "public.ecr.aws/appmesh/aws-appmesh-envoy"
	// LegacyAccount is the retired account that served images before v1.11.2.0 (2019).
	// References to it are rejected by the rest of the library.
	LegacyAccount = "111345817488"
)

// Region is one AWS region the App Mesh Envoy image is published in.
//
// Region is a plain value; copying it is cheap and changes nothing in the table.
type Region struct {
	// Code is the region code, such as "us-west-2".
	Code string
	// Name is the human name, such as "US West (Oregon)".
	Name string
	// Partition is the partition the region belongs to.
	Partition Partition
	// Account is the 12-digit account that owns the Envoy repository in this region.
	Account string
	// OptIn reports whether the region must be enabled for an account before use.
	OptIn bool
	// FIPS reports whether a FIPS variant of the image ("-prod-fips" tags) is published
	// in this region.
	FIPS bool
}

// RegistryHost returns the ECR registry host of the image owner in this region, such as
// "840364872350.dkr.ecr.us-west-2.amazonaws.com".
func (r Region) RegistryHost() string {
	return r.Account + ".dkr.ecr." + r.Code + "." + r.Partition.DNSSuffix
}

// FIPSRegistryHost returns the FIPS endpoint form of [Region.RegistryHost], such as
// "840364872350.dkr.ecr-fips.us-west-2.amazonaws.com". It is "" where ECR has no FIPS
// endpoint ([ECRFIPS]), even where a FIPS image is published (ca-central-1): such images
// are pulled from the standard host.
func (r Region) FIPSRegistryHost() string {
	if !ECRFIPS(r.Code) {
		return ""
	}
	return r.Account + ".dkr.ecr-fips." + r.Code + "." + r.Partition.DNSSuffix
}

// DualStackRegistryHost returns the dual-stack (IPv4 and IPv6) registry host, such as
// "840364872350.dkr-ecr.us-west-2.on.aws", or "" where the partition has none.
func (r Region) DualStackRegistryHost() string {
	s := r.Partition.DualStackDNSSuffix()
	if s == "" {
		return ""
	}
	return r.Account + ".dkr-ecr." + r.Code + "." + s
}

// RepositoryURI returns the image repository without a tag, such as
// "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy".
func (r Region) RepositoryURI() string { return r.RegistryHost() + "/" + RepositoryName }

// RepositoryARN returns the ARN of the Envoy repository in this region, such as
// "arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy". It is what an IAM
// policy names to allow pulls.
func (r Region) RepositoryARN() string {
	return arn.ARN{Partition: r.Partition.ID, Service: "ecr", Region: r.Code, AccountID: r.Account,
		Resource: "repository/" + RepositoryName}.String()
}

// ParameterARN returns the ARN of the public SSM parameter in this region, such as
// "arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy". The account field of a
// public parameter's ARN is empty.
func (r Region) ParameterARN() string {
	return arn.ARN{Partition: r.Partition.ID, Service: "ssm", Region: r.Code, Resource: "parameter" + ParameterName}.String()
}

// ConsoleURL returns the Systems Manager console page of the public parameter in this
// region.
func (r Region) ConsoleURL() string {
	host := r.Partition.ConsoleHost()
	if host == "" {
		return ""
	}
	return "https://" + host + "/systems-manager/parameters" + ParameterName +
		"/description?region=" + url.QueryEscape(r.Code)
}

// String returns the region code.
func (r Region) String() string { return r.Code }

var (
	aws   = Partition{PartitionAWS, "amazonaws.com"}
	china = Partition{PartitionChina, "amazonaws.com.cn"}
)

// Registry accounts. Source: AWS App Mesh User Guide, "Envoy image" (2023 and 2026).
const (
	accountMain = "840364872350"
)

// table lists every region the Envoy image is published in, sorted by code. Do not
// modify it at run time; functions return copies.
var table = []Region{
	{"af-south-1", "Africa (Cape Town)", aws, "924023996002", true, false},         // User Guide 2023, 2026
	{"ap-east-1", "Asia Pacific (Hong Kong)", aws, "856666278305", true, false},    // User Guide 2020, 2023, 2026
	{"ap-northeast-1", "Asia Pacific (Tokyo)", aws, accountMain, false, false},     // User Guide 2020, 2023, 2026
	{"ap-northeast-2", "Asia Pacific (Seoul)", aws, accountMain, false, false},     // User Guide 2020, 2023, 2026
	{"ap-northeast-3", "Asia Pacific (Osaka)", aws, accountMain, false, false},     // User Guide 2023, 2026
	{"ap-south-1", "Asia Pacific (Mumbai)", aws, accountMain, false, false},        // User Guide 2020, 2023, 2026
	{"ap-southeast-1", "Asia Pacific (Singapore)", aws, accountMain, false, false}, // User Guide 2020, 2023, 2026
	{"ap-southeast-2", "Asia Pacific (Sydney)", aws, accountMain, false, false},    // User Guide 2020, 2023, 2026
	{"ap-southeast-3", "Asia Pacific (Jakarta)", aws, "909464085924", true, false}, // User Guide 2023, 2026
	{"ca-central-1", "Canada (Central)", aws, accountMain, false, true},            // User Guide 2020, 2023, 2026; FIPS: User Guide 2026
	{"cn-north-1", "China (Beijing)", china, "919366029133", false, false},         // User Guide 2023, 2026
	{"cn-northwest-1", "China (Ningxia)", china, "919830735681", false, false},     // User Guide 2023, 2026
	{"eu-central-1", "Europe (Frankfurt)", aws, accountMain, false, false},         // User Guide 2020, 2023, 2026
	{"eu-central-2", "Europe (Zurich)", aws, "704106688930", true, false},          // App Mesh release announcement (2025); not in the 2026 guide or CDK
	{"eu-north-1", "Europe (Stockholm)", aws, accountMain, false, false},           // User Guide 2020, 2023, 2026
	{"eu-south-1", "Europe (Milan)", aws, "422531588944", true, false},             // User Guide 2023, 2026
	{"eu-south-2", "Europe (Spain)", aws, "992897592190", true, false},             // App Mesh release announcement (2025); not in the 2026 guide or CDK
	{"eu-west-1", "Europe (Ireland)", aws, accountMain, false, false},              // User Guide 2020, 2023, 2026
	{"eu-west-2", "Europe (London)", aws, accountMain, false, false},               // User Guide 2020, 2023, 2026
	{"eu-west-3", "Europe (Paris)", aws, accountMain, false, false},                // User Guide 2020, 2023, 2026
	{"il-central-1", "Israel (Tel Aviv)", aws, "564877687649", true, false},        // User Guide 2026, CDK region facts
	{"me-south-1", "Middle East (Bahrain)", aws, "772975370895", true, false},      // User Guide 2020, 2023, 2026
	{"sa-east-1", "South America (São Paulo)", aws, accountMain, false, false},     // User Guide 2020, 2023, 2026
	{"us-east-1", "US East (N. Virginia)", aws, accountMain, false, true},          // User Guide 2020, 2023, 2026; FIPS: User Guide 2026
	{"us-east-2", "US East (Ohio)", aws, accountMain, false, true},                 // User Guide 2020, 2023, 2026; FIPS: User Guide 2026
	{"us-west-1", "US West (N. California)", aws, accountMain, false, true},        // User Guide 2020, 2023, 2026; FIPS: User Guide 2026
	{"us-west-2", "US West (Oregon)", aws, accountMain, false, true},               // User Guide 2020, 2023, 2026; FIPS: User Guide 2026
}

// index maps a region code to its position in table.
var index = func() map[string]int {
	m := make(map[string]int, len(table))
	for i, r := range table {
		m[r.Code] = i
	}
	return m
}()

// All returns every supported region, sorted by code. The slice is a fresh copy.
func All() []Region {
	out := make([]Region, len(table))
	copy(out, table)
	return out
}

// InPartition returns the supported regions of one partition ("aws", "aws-cn"), sorted
// by code. It returns an empty slice for a partition without supported regions (such as
// "aws-us-gov") and an error, matching [ErrUnsupported], for an unknown partition ID.
func InPartition(partitionID string) ([]Region, error) {
	p, err := LookupPartition(partitionID)
	if err != nil {
		return nil, err
	}
	out := []Region{}
	for _, r := range table {
		if r.Partition.ID == p.ID {
			out = append(out, r)
		}
	}
	return out, nil
}

// Codes returns the codes of regions, in order.
func Codes(regions []Region) []string {
	out := make([]string, len(regions))
	for i, r := range regions {
		out[i] = r.Code
	}
	return out
}

func init() {
	if !sort.SliceIsSorted(table, func(i, j int) bool { return table[i].Code < table[j].Code }) {
		panic("region: table is not sorted by code")
	}
}
