package region

import (
	"errors"
	"strings"
	"testing"
)

// factsTable is the region table of the App Mesh User Guide ("Envoy image") and the
// release announcements, typed in again by hand so the test compares two independent
// copies: region, name, account, partition, opt-in, FIPS.
var factsTable = []struct {
	code, name, account, partition string
	optIn, fips                    bool
}{
	{"us-east-1", "US East (N. Virginia)", "840364872350", "aws", false, true},
	{"us-east-2", "US East (Ohio)", "840364872350", "aws", false, true},
	{"us-west-1", "US West (N. California)", "840364872350", "aws", false, true},
	{"us-west-2", "US West (Oregon)", "840364872350", "aws", false, true},
	{"ca-central-1", "Canada (Central)", "840364872350", "aws", false, true},
	{"sa-east-1", "South America (São Paulo)", "840364872350", "aws", false, false},
	{"eu-west-1", "Europe (Ireland)", "840364872350", "aws", false, false},
	{"eu-west-2", "Europe (London)", "840364872350", "aws", false, false},
	{"eu-west-3", "Europe (Paris)", "840364872350", "aws", false, false},
	{"eu-central-1", "Europe (Frankfurt)", "840364872350", "aws", false, false},
	{"eu-north-1", "Europe (Stockholm)", "840364872350", "aws", false, false},
	{"ap-northeast-1", "Asia Pacific (Tokyo)", "840364872350", "aws", false, false},
	{"ap-northeast-2", "Asia Pacific (Seoul)", "840364872350", "aws", false, false},
	{"ap-northeast-3", "Asia Pacific (Osaka)", "840364872350", "aws", false, false},
	{"ap-south-1", "Asia Pacific (Mumbai)", "840364872350", "aws", false, false},
	{"ap-southeast-1", "Asia Pacific (Singapore)", "840364872350", "aws", false, false},
	{"ap-southeast-2", "Asia Pacific (Sydney)", "840364872350", "aws", false, false},
	{"me-south-1", "Middle East (Bahrain)", "772975370895", "aws", true, false},
	{"ap-east-1", "Asia Pacific (Hong Kong)", "856666278305", "aws", true, false},
	{"eu-south-1", "Europe (Milan)", "422531588944", "aws", true, false},
	{"af-south-1", "Africa (Cape Town)", "924023996002", "aws", true, false},
	{"ap-southeast-3", "Asia Pacific (Jakarta)", "909464085924", "aws", true, false},
	{"il-central-1", "Israel (Tel Aviv)", "564877687649", "aws", true, false},
	{"eu-south-2", "Europe (Spain)", "992897592190", "aws", true, false},
	{"eu-central-2", "Europe (Zurich)", "704106688930", "aws", true, false},
	{"cn-north-1", "China (Beijing)", "919366029133", "aws-cn", false, false},
	{"cn-northwest-1", "China (Ningxia)", "919830735681", "aws-cn", false, false},
}

func TestEveryRowMatchesFacts(t *testing.T) {
	if got, want := len(All()), len(factsTable); got != want {
		t.Fatalf("All() has %d regions, the hand-typed table has %d", got, want)
	}
	for _, f := range factsTable {
		t.Run(f.code, func(t *testing.T) {
			r, err := Lookup(f.code)
			if err != nil {
				t.Fatalf("Lookup(%q): %v", f.code, err)
			}
			suffix := "amazonaws.com"
			console := "console.aws.amazon.com"
			if f.partition == "aws-cn" {
				suffix = "amazonaws.com.cn"
				console = "console.amazonaws.cn"
			}
			checks := []struct{ what, got, want string }{
				{"Code", r.Code, f.code},
				{"Name", r.Name, f.name},
				{"Account", r.Account, f.account},
				{"Partition.ID", r.Partition.ID, f.partition},
				{"Partition.DNSSuffix", r.Partition.DNSSuffix, suffix},
				{"RegistryHost", r.RegistryHost(), f.account + ".dkr.ecr." + f.code + "." + suffix},
				{"RepositoryURI", r.RepositoryURI(), f.account + ".dkr.ecr." + f.code + "." + suffix + "/aws-appmesh-envoy"},
				{"RepositoryARN", r.RepositoryARN(), "arn:" + f.partition + ":ecr:" + f.code + ":" + f.account + ":repository/aws-appmesh-envoy"},
				{"ParameterARN", r.ParameterARN(), "arn:" + f.partition + ":ssm:" + f.code + "::parameter/aws/service/appmesh/envoy"},
				{"ConsoleURL", r.ConsoleURL(), "https://" + console + "/systems-manager/parameters/aws/service/appmesh/envoy/description?region=" + f.code},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if r.OptIn != f.optIn {
				t.Errorf("OptIn = %v, want %v", r.OptIn, f.optIn)
			}
			if r.FIPS != f.fips {
				t.Errorf("FIPS = %v, want %v", r.FIPS, f.fips)
			}
			// The FIPS host is checked against ECR's endpoint data in
			// TestECRFIPSOnlyWhereAWSHasIt; here only its shape.
			if got := r.FIPSRegistryHost(); got != "" && got != f.account+".dkr.ecr-fips."+f.code+"."+suffix {
				t.Errorf("FIPSRegistryHost = %q", got)
			}
		})
	}
}

func TestChinaNeverUsesAWSPartitionStrings(t *testing.T) {
	cn, err := InPartition("aws-cn")
	if err != nil {
		t.Fatal(err)
	}
	if len(cn) != 2 {
		t.Fatalf("InPartition(aws-cn) = %d regions, want 2", len(cn))
	}
	for _, r := range cn {
		for _, s := range []string{r.RepositoryARN(), r.ParameterARN()} {
			if !strings.HasPrefix(s, "arn:aws-cn:") {
				t.Errorf("%s: %q does not start with arn:aws-cn:", r.Code, s)
			}
		}
		if !strings.HasSuffix(r.RegistryHost(), ".amazonaws.com.cn") {
			t.Errorf("%s: registry host %q", r.Code, r.RegistryHost())
		}
		if got, want := r.DualStackRegistryHost(), r.Account+".dkr-ecr."+r.Code+".on.amazonwebservices.com.cn"; got != want {
			t.Errorf("%s: dual-stack host %q, want %q", r.Code, got, want)
		}
	}
}

func TestAllSortedAndCopied(t *testing.T) {
	a := All()
	for i := 1; i < len(a); i++ {
		if a[i-1].Code >= a[i].Code {
			t.Fatalf("All() not sorted: %s before %s", a[i-1].Code, a[i].Code)
		}
	}
	a[0].Account = "000000000000"
	a[0].Partition.ID = "tampered"
	if b := All(); b[0].Account == "000000000000" || b[0].Partition.ID == "tampered" {
		t.Fatal("changing All()'s result changed the table")
	}
	r := MustLookup("us-west-2")
	r.Account = "000000000000"
	if MustLookup("us-west-2").Account != "840364872350" {
		t.Fatal("changing Lookup's result changed the table")
	}
	p, _ := InPartition("aws")
	p[0].Account = "000000000000"
	if q, _ := InPartition("aws"); q[0].Account == "000000000000" {
		t.Fatal("changing InPartition's result changed the table")
	}
}

func TestInPartition(t *testing.T) {
	tests := []struct {
		id      string
		want    int
		wantErr bool
	}{
		{"aws", 25, false},
		{" AWS-CN ", 2, false},
		{"aws-us-gov", 0, false},
		{"aws-eusc", 0, false},
		{"azure", 0, true},
	}
	for _, tt := range tests {
		got, err := InPartition(tt.id)
		if (err != nil) != tt.wantErr {
			t.Errorf("InPartition(%q) error = %v, wantErr %v", tt.id, err, tt.wantErr)
			continue
		}
		if tt.wantErr && !errors.Is(err, ErrUnsupported) {
			t.Errorf("InPartition(%q) error %v does not match ErrUnsupported", tt.id, err)
		}
		if len(got) != tt.want {
			t.Errorf("InPartition(%q) = %d regions, want %d", tt.id, len(got), tt.want)
		}
		if !tt.wantErr && got == nil {
			t.Errorf("InPartition(%q) = nil, want an empty slice", tt.id)
		}
	}
}

func TestPartitionOf(t *testing.T) {
	tests := []struct{ code, id, suffix string }{
		{"us-west-2", "aws", "amazonaws.com"},
		{"cn-north-1", "aws-cn", "amazonaws.com.cn"},
		{"us-gov-west-1", "aws-us-gov", "amazonaws.com"},
		{"us-iso-east-1", "aws-iso", "c2s.ic.gov"},
		{"us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"},
		{"eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"},
		{"us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"},
		{"eusc-de-east-1", "aws-eusc", "amazonaws.eu"},
		{"mx-central-1", "aws", "amazonaws.com"},
	}
	for _, tt := range tests {
		p, ok := PartitionOf(tt.code)
		if !ok || p.ID != tt.id || p.DNSSuffix != tt.suffix {
			t.Errorf("PartitionOf(%q) = %+v, %v; want %s %s", tt.code, p, ok, tt.id, tt.suffix)
		}
	}
	for _, bad := range []string{"", "moon-1", "us-west", "uswest2", "cn-north"} {
		if p, ok := PartitionOf(bad); ok {
			t.Errorf("PartitionOf(%q) = %+v, want no partition", bad, p)
		}
	}
}

func TestECRFIPSOnlyWhereAWSHasIt(t *testing.T) {
	// Every region: a FIPS host exactly in the six regions of the SDK's ECR endpoint
	// data, never elsewhere (ca-central-1 publishes a FIPS image but has no FIPS host).
	want := map[string]string{
		"us-east-1": "840364872350.dkr.ecr-fips.us-east-1.amazonaws.com",
		"us-east-2": "840364872350.dkr.ecr-fips.us-east-2.amazonaws.com",
		"us-west-1": "840364872350.dkr.ecr-fips.us-west-1.amazonaws.com",
		"us-west-2": "840364872350.dkr.ecr-fips.us-west-2.amazonaws.com",
	}
	for _, r := range All() {
		if got := r.FIPSRegistryHost(); got != want[r.Code] {
			t.Errorf("%s: FIPSRegistryHost = %q, want %q", r.Code, got, want[r.Code])
		}
		if ECRFIPS(r.Code) != (want[r.Code] != "") {
			t.Errorf("%s: ECRFIPS = %v", r.Code, ECRFIPS(r.Code))
		}
	}
	for _, code := range []string{"us-gov-west-1", " US-GOV-EAST-1 "} {
		if !ECRFIPS(code) {
			t.Errorf("ECRFIPS(%q) = false", code)
		}
	}
	if ECRFIPS("ca-central-1") || !MustLookup("ca-central-1").FIPS {
		t.Error("ca-central-1: a FIPS image without an ECR FIPS endpoint")
	}
}

func TestPartitionOfHost(t *testing.T) {
	tests := []struct {
		label, suffix string
		want          string
		dual          bool
	}{
		{"us-west-2", "amazonaws.com", PartitionAWS, false},
		{"xx-newregion-9", "amazonaws.com", PartitionAWS, false}, // launched after the table
		{"ap-southeast-7", "on.aws", PartitionAWS, true},
		{"us-gov-west-1", "amazonaws.com", PartitionGovCloud, false},
		{"us-gov-east-1", "on.aws", PartitionGovCloud, true},
		{"cn-north-1", "amazonaws.com.cn", PartitionChina, false},
		{"cn-northwest-1", "on.amazonwebservices.com.cn", PartitionChina, true},
		{"us-iso-east-1", "c2s.ic.gov", PartitionISO, false},
		{"us-isob-east-1", "sc2s.sgov.gov", PartitionISOB, false},
		{"eu-isoe-west-1", "cloud.adc-e.uk", PartitionISOE, false},
		{"us-isof-south-1", "csp.hci.ic.gov", PartitionISOF, false},
		{"eusc-de-east-1", "amazonaws.eu", PartitionEUSC, false},
		{"US-WEST-2", "AMAZONAWS.COM", PartitionAWS, false},
		// Mismatches fit nothing.
		{"cn-north-1", "amazonaws.com", "", false},
		{"us-west-2", "amazonaws.com.cn", "", false},
		{"us-iso-east-1", "amazonaws.com", "", false},
		{"us-west-2", "c2s.ic.gov", "", false},
		{"us-west-2", "amazonaws.com.evil.io", "", false},
		{"us-west-2", "", "", false},
		{"", "amazonaws.com", "", false},
	}
	for _, tt := range tests {
		p, dual, ok := PartitionOfHost(tt.label, tt.suffix)
		if ok != (tt.want != "") || p.ID != tt.want || dual != tt.dual {
			t.Errorf("PartitionOfHost(%q, %q) = %q, %v, %v; want %q, %v", tt.label, tt.suffix, p.ID, dual, ok, tt.want, tt.dual)
		}
	}
}
