package region

import (
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/editdist"
)

// knownUnsupported lists region codes people are likely to try that the Envoy image is not
// published in, with the reason.
var knownUnsupported = map[string]string{
	// CDK region fact table lists account 058264503299, but the App Mesh API has no
	// endpoint in the region (aws-sdk-go-v2 endpoint data).
	"ap-east-2": "listed with an App Mesh account in the AWS CDK region table, but the image is not published by App Mesh here as far as AWS's endpoint data shows (App Mesh has no endpoint in this region)",
	// CDK region fact table lists account 637423513210, but no App Mesh endpoint.
	"ap-southeast-6": "listed with an App Mesh account in the AWS CDK region table, but the image is not published by App Mesh here as far as AWS's endpoint data shows (App Mesh has no endpoint in this region)",
	// GovCloud: App Mesh User Guide lists no public registry account.
	"us-gov-west-1": "AWS GovCloud (US) has no public App Mesh Envoy registry account; mirror the image into your own ECR repository and use that",
	"us-gov-east-1": "AWS GovCloud (US) has no public App Mesh Envoy registry account; mirror the image into your own ECR repository and use that",
	// Regions of the aws partition (aws-sdk-go-v2 internal/endpoints/awsrulesfn/
	// partitions.json) that no App Mesh source lists an Envoy registry account for
	// (User Guide 2020, 2023, 2026; CDK region facts; release announcements). They are
	// real codes, not typos, so no "did you mean" is offered.
	"ap-south-2":     notPublishedInAWSRegion,
	"ap-southeast-4": notPublishedInAWSRegion,
	"ap-southeast-5": notPublishedInAWSRegion,
	"ap-southeast-7": notPublishedInAWSRegion,
	"ca-west-1":      notPublishedInAWSRegion,
	"me-central-1":   notPublishedInAWSRegion,
	"me-west-1":      notPublishedInAWSRegion,
	"mx-central-1":   notPublishedInAWSRegion,
	"sa-west-1":      notPublishedInAWSRegion,
}

const notPublishedInAWSRegion = "an AWS region, but App Mesh publishes no Envoy image there; use one of the supported regions (region.All, or `appmesh-envoy regions`)"

// Lookup returns the region with the given code. It accepts what people type: surrounding
// white space and any letter case ("  US-West-2 "). Codes the image is not published in
// give an [*UnsupportedError], which matches [ErrUnsupported] and names the closest
// supported code when one is near.
func Lookup(code string) (Region, error) {
	norm := strings.ToLower(strings.TrimSpace(code))
	if i, ok := index[norm]; ok {
		return table[i], nil
	}
	e := &UnsupportedError{Code: norm, Kind: "region"}
	switch {
	case norm == "":
		e.Reason = "empty region code; set a region such as us-west-2"
		return Region{}, e
	case knownUnsupported[norm] != "":
		e.Reason = knownUnsupported[norm]
		return Region{}, e
	}
	if p, ok := partitionRowOf(norm); ok && p.partition.ID != PartitionAWS && p.partition.ID != PartitionChina {
		e.Reason = "partition " + p.partition.ID + " has no public App Mesh Envoy registry; mirror the image into your own ECR repository and use that"
		return Region{}, e
	}
	e.Reason = "the App Mesh Envoy image is not published there"
	e.Suggestion = closest(norm)
	if e.Suggestion == "" {
		e.Reason += "; use one of the " + strconv.Itoa(len(table)) + " supported regions (region.All, or `appmesh-envoy regions`)"
	}
	return Region{}, e
}

// MustLookup is like [Lookup] but panics on error. It is for codes known at compile time.
func MustLookup(code string) Region {
	r, err := Lookup(code)
	if err != nil {
		panic(err)
	}
	return r
}

// closest returns the supported code nearest to s by edit distance, or "" when nothing is
// near enough to be a plausible typo. Ties go to the code whose trailing number is closest
// ("us-west-3" suggests us-west-2, not us-west-1), then to the first in order.
func closest(s string) string {
	if len(s) > 64 {
		return ""
	}
	best, bestDist, bestNum := "", -1, 0
	sNum := trailingNumber(s)
	for _, r := range table {
		d := editdist.Distance(s, r.Code, 0)
		num := abs(trailingNumber(r.Code) - sNum)
		if bestDist < 0 || d < bestDist || (d == bestDist && num < bestNum) {
			best, bestDist, bestNum = r.Code, d, num
		}
	}
	// Allow roughly one typo per four characters, at least two.
	limit := len(s) / 4
	if limit < 2 {
		limit = 2
	}
	if bestDist > limit {
		return ""
	}
	return best
}

func trailingNumber(s string) int {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil || i == len(s) {
		return 0
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
