package region

import "strings"

// ecrFIPSRegions are the regions where ECR has FIPS endpoints: the API
// (ecr-fips.<region>.amazonaws.com) and the registry
// (<account>.dkr.ecr-fips.<region>.amazonaws.com). Source: aws-sdk-go-v2
// service/ecr/internal/endpoints/endpoints.go, which lists FIPS variants for these
// regions only; ECR FIPS for Canada is an open request (aws/containers-roadmap#501).
var ecrFIPSRegions = map[string]bool{
	"us-east-1":     true,
	"us-east-2":     true,
	"us-west-1":     true,
	"us-west-2":     true,
	"us-gov-east-1": true,
	"us-gov-west-1": true,
}

// ECRFIPS reports whether ECR has FIPS endpoints (API and registry) in the region. It is
// not the same as [Region.FIPS], which says that a FIPS variant of the image is published:
// in ca-central-1 the FIPS image exists but is pulled from the standard host, and its
// tokens come from the standard API endpoint. The code may carry surrounding space and
// upper case.
func ECRFIPS(code string) bool {
	return ecrFIPSRegions[strings.ToLower(strings.TrimSpace(code))]
}
