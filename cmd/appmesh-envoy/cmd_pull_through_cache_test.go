package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPullThroughCacheCreate(t *testing.T) {
	ts := newTestServer(t)
	run := func(args ...string) (result, pullThroughCacheJSON) {
		t.Helper()
		r := ts.run(t, ts.opts(), args...)
		var out pullThroughCacheJSON
		if r.code == exitOK && strings.Contains(strings.Join(args, " "), "-o json") {
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("stdout: %v\n%s", err, r.stdout)
			}
		}
		return r, out
	}
	r, out := run("pull-through-cache", "create", "--region", "eu-west-1", "--prefix", "ecr-public", "-o", "json")
	r.wantCode(t, exitOK)
	want := pullThroughCacheJSON{Region: "eu-west-1", Registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com", Prefix: "ecr-public",
		PrefixURI: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecr-public", Status: "created", UpstreamRegistryURL: "public.ecr.aws",
		Repository: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy", CreatedAt: out.CreatedAt}
	if out != want || out.CreatedAt == "" {
		t.Errorf("%+v, want %+v", out, want)
	}
	r, out = run("pull-through-cache", "create", "--region", "eu-west-1", "--prefix", "ecr-public", "-o", "json")
	r.wantCode(t, exitOK)
	if out.Status != "up-to-date" {
		t.Errorf("second run: status %q, want up-to-date", out.Status)
	}
	ts.AddCacheRule("111122223333", "eu-west-1", "hub", "registry-1.docker.io")
	r, _ = run("pull-through-cache", "create", "--region", "eu-west-1", "--prefix", "hub")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, `already a pull-through cache of "registry-1.docker.io"`)

	// The help says what a template is for; bad input is refused before any call.
	r, _ = run("pull-through-cache", "create", "--help")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "repository creation template") {
		t.Errorf("--help does not mention repository creation templates:\n%s", r.stdout)
	}
	ts.ResetCounts()
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"pull-through-cache", "create", "--region", "eu-west-1", "--prefix", "Ecr"}, exitUsage, "ECR takes lower-case letters"},
		{[]string{"pull-through-cache", "create", "--region", "eu-west-1", "--prefix", "a"}, exitUsage, "2 to 30 characters"},
		{[]string{"pull-through-cache", "create", "--region", "eu-west-1"}, exitUsage, "needs --prefix"},
		{[]string{"pull-through-cache", "create", "--region", "cn-north-1", "--prefix", "ecr-public"}, exitUsage, "exists only in the aws partition"},
		{[]string{"pull-through-cache", "create", "--region", "us-gov-west-1", "--prefix", "ecr-public"}, exitUsage, "GovCloud (US) has no public App Mesh Envoy registry account"},
		{[]string{"pull-through-cache", "delete"}, exitUsage, "takes the subcommand create"},
		{[]string{"pull-through-cache"}, exitUsage, "takes the subcommand create"},
	} {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			r, _ := run(tt.args...)
			r.wantCode(t, tt.code, tt.args...)
			r.wantOneLineError(t, tt.msg)
		})
	}
	if n := ts.Requests("*", "*"); n != 0 {
		t.Errorf("%d requests for bad input", n)
	}
}
