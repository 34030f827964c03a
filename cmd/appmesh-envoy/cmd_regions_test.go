package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func TestRegionsJSON(t *testing.T) {
	r := runCLI(t, "regions", "-o", "json")
	r.wantCode(t, exitOK)
	if r.stderr != "" {
		t.Errorf("stderr = %q", r.stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not a JSON array: %v", err)
	}
	all := region.All()
	if len(got) != len(all) {
		t.Fatalf("%d rows, want %d", len(got), len(all))
	}
	for i, reg := range all {
		want := map[string]any{
			"code": reg.Code, "name": reg.Name, "partition": reg.Partition.ID, "account": reg.Account,
			"optIn": reg.OptIn, "fips": reg.FIPS, "registryHost": reg.RegistryHost(),
			"repositoryUri": reg.RepositoryURI(), "repositoryArn": reg.RepositoryARN(),
			"parameterArn": reg.ParameterARN(), "consoleUrl": reg.ConsoleURL(),
		}
		if h := reg.FIPSRegistryHost(); h != "" {
			want["fipsRegistryHost"] = h
		}
		if h := reg.DualStackRegistryHost(); h != "" {
			want["dualStackRegistryHost"] = h
		}
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("row %d (%s) mismatch (-want +got):\n%s", i, reg.Code, diff)
		}
	}
}

func TestRegionsPartition(t *testing.T) {
	tests := []struct {
		args []string
		want []string
		code int
	}{
		{[]string{"regions", "--partition", "aws-cn", "-o", "code"}, []string{"cn-north-1", "cn-northwest-1"}, exitOK},
		{[]string{"--partition=AWS-CN", "regions", "-o=code"}, nil, exitUsage}, // --partition is not global
		{[]string{"-o", "code", "regions", "--partition=aws-cn"}, []string{"cn-north-1", "cn-northwest-1"}, exitOK},
		{[]string{"regions", "--partition", "aws-us-gov", "-o", "code"}, nil, exitOK},
		{[]string{"regions", "--partition", "aws-moon"}, nil, exitUsage},
		{[]string{"regions", "extra"}, nil, exitUsage},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, tt.code, tt.args...)
			if tt.code != exitOK {
				r.wantOneLineError(t, "")
				return
			}
			got := strings.Fields(r.stdout)
			if diff := cmp.Diff(tt.want, got); diff != "" && !(len(tt.want) == 0 && len(got) == 0) {
				t.Errorf("codes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRegionsTable(t *testing.T) {
	r := runCLI(t, "regions")
	r.wantCode(t, exitOK)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != len(region.All())+1 {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(lines), len(region.All()), r.stdout)
	}
	if f := strings.Fields(lines[0]); f[0] != "CODE" || f[len(f)-1] != "FIPS" {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.Contains(r.stdout, "eu-south-2") || !strings.Contains(r.stdout, "992897592190") {
		t.Errorf("table lacks eu-south-2 and its account:\n%s", r.stdout)
	}
}

// TestRegionsEmptyPartition: a valid partition without a region of the image exits 0
// with an empty result in every format and says why on stderr.
func TestRegionsEmptyPartition(t *testing.T) {
	for _, tt := range []struct {
		format, stdout string
	}{
		{"json", "[]\n"},
		{"code", ""},
		{"table", "CODE  NAME  PARTITION  ACCOUNT  OPT-IN  FIPS\n"},
	} {
		for _, partition := range []string{"aws-us-gov", "AWS-ISO"} {
			r := runCLI(t, "regions", "--partition", partition, "-o", tt.format)
			r.wantCode(t, exitOK)
			if r.stdout != tt.stdout {
				t.Errorf("%s -o %s: stdout %q, want %q", partition, tt.format, r.stdout, tt.stdout)
			}
			want := "note: partition " + strings.ToLower(partition) + " is valid, but no region of it has a public App Mesh Envoy image"
			if lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
				t.Errorf("%s -o %s: stderr %q, want one line starting %q", partition, tt.format, r.stderr, want)
			}
		}
	}
}
