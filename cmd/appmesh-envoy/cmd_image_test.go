package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func decodeImages(t *testing.T, s string) []imageJSON {
	t.Helper()
	var rows []imageJSON
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("stdout is not the image JSON array: %v\n%s", err, s)
	}
	return rows
}

func TestImageAllRegionsPinnedJSON(t *testing.T) {
	ts := newTestServer(t)
	r := ts.run(t, ts.opts(), "image", "--all-regions", "--pin", "-o", "json")
	r.wantCode(t, exitOK)
	if r.stderr != "" {
		t.Errorf("stderr = %q", r.stderr)
	}
	rows := decodeImages(t, r.stdout)
	aws, _ := region.InPartition("aws")
	if len(rows) != len(aws) {
		t.Fatalf("%d rows, want %d (every aws region)", len(rows), len(aws))
	}
	for i, row := range rows {
		reg := aws[i]
		if row.Region != reg.Code || row.Status != statusOK || row.Error != "" {
			t.Errorf("row %d = %+v", i, row)
			continue
		}
		want := reg.RepositoryURI() + ":" + row.Tag + "@" + row.Digest
		if row.Image != want || !strings.HasPrefix(row.Digest, "sha256:") || row.Tag != appmeshenvoytest.DefaultTag {
			t.Errorf("%s: image %q tag %q digest %q; want %q", reg.Code, row.Image, row.Tag, row.Digest, want)
		}
	}
	if n := ts.Requests("ssm:GetParameter", "*"); n != len(aws) {
		t.Errorf("%d GetParameter requests, want %d", n, len(aws))
	}
}

func TestImageRegionFlags(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name string
		args []string
		env  []string
		want []string // regions in order
	}{
		{"configured region", []string{"image"}, []string{"AWS_REGION=eu-west-1"}, []string{"eu-west-1"}},
		{"AWS_DEFAULT_REGION like the AWS CLI", []string{"image"}, []string{"AWS_REGION=", "AWS_DEFAULT_REGION=ap-south-1"}, []string{"ap-south-1"}},
		{"repeated and comma-separated", []string{"image", "--region", "us-east-1", "--region=eu-west-1,ap-south-1"}, nil, []string{"us-east-1", "eu-west-1", "ap-south-1"}},
		{"global flag before the command", []string{"--region", "US-EAST-2", "image"}, nil, []string{"us-east-2"}},
		{"china partition from AWS_REGION", []string{"image", "--all-regions"}, []string{"AWS_REGION=cn-north-1"}, []string{"cn-north-1", "cn-northwest-1"}},
		{"china partition from --partition", []string{"image", "--all-regions", "--partition", "aws-cn"}, nil, []string{"cn-north-1", "cn-northwest-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, tt.args...), "-o", "json")
			r := ts.run(t, ts.opts(tt.env...), args...)
			r.wantCode(t, exitOK, args...)
			var got []string
			for _, row := range decodeImages(t, r.stdout) {
				got = append(got, row.Region)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("regions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImageURIOutput(t *testing.T) {
	ts := newTestServer(t)
	r := ts.run(t, ts.opts(), "image", "--region", "us-west-2", "--region", "eu-south-2", "--pin", "-o", "uri")
	r.wantCode(t, exitOK)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout has %d lines, want 2 bare URIs:\n%s", len(lines), r.stdout)
	}
	for i, code := range []string{"us-west-2", "eu-south-2"} {
		img, err := appmeshenvoy.ParseImage(lines[i])
		if err != nil || img.Region() != code || img.Digest == "" || img.Account() != region.MustLookup(code).Account {
			t.Errorf("line %d = %q (%v)", i, lines[i], err)
		}
	}
}

func TestImageFailuresAndOptInRegions(t *testing.T) {
	ts := newTestServer(t)
	ts.DeleteParameter("eu-west-3")
	ts.SetRegionEnabled("me-south-1", false)

	t.Run("all regions: one failure is exit 1 after printing all", func(t *testing.T) {
		r := ts.run(t, ts.opts(), "image", "--all-regions", "-o", "json")
		r.wantCode(t, exitFailed)
		rows := decodeImages(t, r.stdout)
		aws, _ := region.InPartition("aws")
		if len(rows) != len(aws) {
			t.Fatalf("%d rows, want all %d", len(rows), len(aws))
		}
		status := map[string]imageJSON{}
		for _, row := range rows {
			status[row.Region] = row
		}
		if s := status["eu-west-3"]; s.Status != statusFailed || !strings.Contains(s.Error, "eu-west-3") || s.Image != "" {
			t.Errorf("eu-west-3 = %+v, want failed with an error naming the region", s)
		}
		if s := status["me-south-1"]; s.Status != statusNotEnabled || s.Error == "" {
			t.Errorf("me-south-1 = %+v, want not-enabled", s)
		}
		if s := status["us-west-2"]; s.Status != statusOK {
			t.Errorf("us-west-2 = %+v", s)
		}
		r.wantOneLineError(t, "1 of 25 regions failed")
	})
	t.Run("all regions: a region not enabled alone is not a failure", func(t *testing.T) {
		ts.SetParameter("eu-west-3", region.MustLookup("eu-west-3").RepositoryURI()+":"+appmeshenvoytest.DefaultTag)
		r := ts.run(t, ts.opts(), "image", "--all-regions")
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stdout, "me-south-1") || !strings.Contains(r.stdout, statusNotEnabled) {
			t.Errorf("table does not report me-south-1 as not enabled:\n%s", r.stdout)
		}
		r = ts.run(t, ts.opts(), "image", "--all-regions", "-o", "json")
		r.wantCode(t, exitOK)
		for _, row := range decodeImages(t, r.stdout) {
			if want := statusOK; row.Region == "me-south-1" {
				if row.Status != statusNotEnabled || row.Image != "" {
					t.Errorf("me-south-1 = %+v, want not-enabled without an image", row)
				}
			} else if row.Status != want {
				t.Errorf("%s = %+v, want ok", row.Region, row)
			}
		}
		r = ts.run(t, ts.opts(), "image", "--all-regions", "-o", "uri")
		r.wantCode(t, exitOK)
		if strings.Contains(r.stdout, "me-south-1") {
			t.Errorf("-o uri prints a line for the region that is not enabled:\n%s", r.stdout)
		}
	})
	t.Run("asked for by name, a region not enabled fails", func(t *testing.T) {
		r := ts.run(t, ts.opts(), "image", "--region", "me-south-1", "-o", "uri")
		r.wantCode(t, exitFailed)
		if r.stdout != "" {
			t.Errorf("stdout = %q, want no URI", r.stdout)
		}
		if !strings.Contains(r.stderr, "me-south-1") {
			t.Errorf("stderr does not name me-south-1:\n%s", r.stderr)
		}
	})
}

func TestImageUsageErrors(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name, contains string
		args           []string
		env            []string
	}{
		{"no region", "no region", []string{"image"}, []string{"AWS_REGION="}},
		{"unsupported region", "did you mean us-west-2", []string{"image", "--region", "us-west-3"}, nil},
		{"mixed partitions", "one set of credentials works in one partition", []string{"image", "--region", "us-west-2", "--region", "cn-north-1"}, nil},
		{"govcloud", "GovCloud", []string{"image", "--region", "us-gov-west-1"}, nil},
		{"bad mirror", "--mirror", []string{"image", "--mirror", "not a repo"}, nil},
		{"stray argument", "takes no arguments", []string{"image", "us-west-2"}, nil},
		{"bad endpoint", "--endpoint-url", []string{"image", "--endpoint-url", "ftp://x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.run(t, ts.opts(tt.env...), tt.args...)
			r.wantCode(t, exitUsage, tt.args...)
			r.wantOneLineError(t, tt.contains)
			if r.stdout != "" {
				t.Errorf("stdout = %q", r.stdout)
			}
			if n := ts.Requests("*", "*"); n != 0 {
				t.Errorf("%d requests reached the endpoint before the usage error", n)
			}
		})
	}
}

func TestNoCredentialsIsOneLine(t *testing.T) {
	ts := newTestServer(t)
	o := runOpts{env: []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="}}
	for _, args := range [][]string{
		{"image", "--all-regions"},
		{"login", "--region", "us-west-2"},
	} {
		r := ts.run(t, o, args...)
		r.wantCode(t, exitFailed, args...)
		r.wantOneLineError(t, "no AWS credentials found")
	}
	if n := ts.Requests("*", "*"); n != 0 {
		t.Errorf("%d requests reached the endpoint without credentials", n)
	}
}

func TestInvalidCredentialsIsOneLine(t *testing.T) {
	ts := newTestServer(t)
	o := ts.opts()
	o.env = append(o.env, "AWS_SECRET_ACCESS_KEY=wrong-"+ts.secret[4:])
	r := ts.run(t, o, "image", "--all-regions", "-o", "json")
	r.wantCode(t, exitFailed)
	r.wantOneLineError(t, "credentials")
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing when every region rejected the credentials", r.stdout)
	}
}
