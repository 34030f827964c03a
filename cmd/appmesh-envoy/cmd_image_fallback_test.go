package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

const cliMirror = "111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/envoy"

func TestImageFallback(t *testing.T) {
	ts := newTestServer(t)
	ts.DeleteParameter("us-west-2")
	if err := ts.CreateRepository(cliMirror, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	var digest string
	for _, tag := range []string{"latest", "v1.34.13.3-prod", "v1.29.6.0-prod"} {
		d, err := ts.PushImage(cliMirror, tag, 16)
		if err != nil {
			t.Fatal(err)
		}
		if tag == "v1.34.13.3-prod" {
			digest = d
		}
	}
	builtin := region.MustLookup("us-west-2").RepositoryURI() + ":" + appmeshenvoy.FinalRelease().String()
	mirrorFlag := "repository=111122223333.dkr.ecr.{region}.amazonaws.com/mirror/envoy"

	tests := []struct {
		name   string
		args   []string
		code   int
		want   imageJSON // compared on Status, Source, Image, Unverified
		stderr []string
	}{
		{name: "no fallback: the region fails", args: []string{"image", "-o", "json"}, code: exitFailed,
			want: imageJSON{Status: statusFailed}},
		{name: "builtin", args: []string{"image", "--fallback", "builtin", "-o", "json"}, code: exitOK,
			want:   imageJSON{Status: statusFallbackUsed, Source: "builtin", Image: builtin, Unverified: true},
			stderr: []string{"note: us-west-2: builtin answered, not the SSM parameter: the SSM parameter /aws/service/appmesh/envoy is gone from us-west-2", "unverified until pinned"}},
		{name: "fail on fallback", args: []string{"image", "--fallback", "builtin", "--fail-on-fallback", "-o", "json"}, code: exitFailed,
			want:   imageJSON{Status: statusFallbackUsed, Source: "builtin", Image: builtin, Unverified: true},
			stderr: []string{"1 of 1 regions were answered by a fallback, not the SSM parameter (--fail-on-fallback)"}},
		{name: "mirror first, pinned", args: []string{"image", "--fallback", mirrorFlag, "--fallback", "builtin", "--pin", "-o", "json"}, code: exitOK,
			want:   imageJSON{Status: statusFallbackUsed, Source: "repository", Image: cliMirror + ":v1.34.13.3-prod@" + digest},
			stderr: []string{"repository answered", "v1.34.13.3-prod is the highest release tag there"}},
		{name: "builtin pinned is verified", args: []string{"image", "--fallback", "builtin", "--pin", "-o", "json"}, code: exitOK,
			want: imageJSON{Status: statusFallbackUsed, Source: "builtin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.run(t, ts.opts(), tt.args...)
			r.wantCode(t, tt.code, tt.args...)
			rows := decodeImages(t, r.stdout)
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			got := rows[0]
			if got.Status != tt.want.Status || got.Source != tt.want.Source || got.Unverified != tt.want.Unverified ||
				(tt.want.Image != "" && got.Image != tt.want.Image) {
				t.Errorf("row %+v, want %+v", got, tt.want)
			}
			if tt.want.Status == statusFailed && got.Code != string(appmeshenvoy.CodeParameterNotFound) {
				t.Errorf("code %q, want parameter-not-found", got.Code)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

func TestImageFallbackBadInput(t *testing.T) {
	ts := newTestServer(t)
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"image", "--fallback", "mirror"}, "want repository=URI, gallery or builtin"},
		{[]string{"image", "--fallback", "repository="}, "repository= needs a repository"},
		{[]string{"image", "--fallback", "repository=111122223333.dkr.ecr.{zone}.amazonaws.com/envoy"}, "the only placeholder is {region}"},
		{[]string{"image", "--fallback", "repository=111122223333.dkr.ecr.us-west-2.amazonaws.com/envoy:v1.29.6.0-prod"}, "this is an image reference"},
		{[]string{"image", "--fallback", "builtin=yes"}, "builtin takes no value"},
		{[]string{"image", "--mirror", cliMirror, "--pull-through-cache", "111122223333.dkr.ecr.us-west-2.amazonaws.com/ecr-public"}, "not both"},
		{[]string{"image", "--pull-through-cache", "registry.example.com/p"}, "--pull-through-cache"},
	} {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			r := ts.run(t, ts.opts(), tt.args...)
			r.wantCode(t, exitUsage, tt.args...)
			r.wantOneLineError(t, tt.msg)
			if n := ts.Requests("*", "*"); n != 0 {
				t.Errorf("%d requests for bad input", n)
			}
		})
	}
}

func TestImagePullThroughCache(t *testing.T) {
	ts := newTestServer(t)
	prefix := "111122223333.dkr.ecr.us-west-2.amazonaws.com/ecr-public"
	r := ts.run(t, ts.opts(), "image", "--pull-through-cache", prefix, "-o", "uri")
	r.wantCode(t, exitOK)
	if want := prefix + "/appmesh/aws-appmesh-envoy:" + appmeshenvoytest.DefaultTag + "\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
}

// TestImageCheckWithoutParameter: image check compares with the final release when the
// parameter is gone, and reports a mirror that lacks it.
func TestImageCheckWithoutParameter(t *testing.T) {
	ts := newTestServer(t)
	ts.DeleteParameter("us-west-2")
	if err := ts.CreateRepository(cliMirror, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.PushImage(cliMirror, "v1.34.13.3-prod", 16); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		ref     string
		missing bool
	}{
		{region.MustLookup("us-west-2").RepositoryURI() + ":v1.34.13.3-prod", false},
		{cliMirror + ":v1.34.13.3-prod", true},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			args := []string{"image", "check", tt.ref, "--fail-on", "never", "-o", "json"}
			r := ts.run(t, ts.opts(), args...)
			r.wantCode(t, exitOK, args...)
			var out checkJSON
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("stdout: %v\n%s", err, r.stdout)
			}
			if out.Status != "older" || out.LatestSource != "builtin" || out.LatestMissing != tt.missing ||
				!strings.HasSuffix(out.Latest, ":"+appmeshenvoy.FinalRelease().String()) {
				t.Errorf("%+v: want older than the final release, missing %v", out, tt.missing)
			}
			if !strings.Contains(r.stderr, "note: the SSM parameter is gone from us-west-2: compared with the final release v1.39.1.0-prod") {
				t.Errorf("stderr: %s", r.stderr)
			}
		})
	}
}

// TestImageGalleryFallback: the gallery's traffic follows --endpoint-url (the override
// is printed), anonymously or with --gallery-login, and the answer is pinned there.
func TestImageGalleryFallback(t *testing.T) {
	ts := newTestServer(t)
	ts.DeleteParameter("us-west-2")
	digest, _ := ts.ImageDigest(region.PublicRepository, appmeshenvoytest.DefaultTag)
	for _, login := range []bool{false, true} {
		args := []string{"image", "--fallback", "gallery", "--pin", "-o", "json"}
		if login {
			args = append(args, "--gallery-login")
		}
		r := ts.run(t, ts.opts(), args...)
		r.wantCode(t, exitOK, args...)
		rows := decodeImages(t, r.stdout)
		want := region.PublicRepository + ":" + appmeshenvoytest.DefaultTag + "@" + digest
		if len(rows) != 1 || rows[0].Status != statusFallbackUsed || rows[0].Source != "gallery" || rows[0].Image != want {
			t.Fatalf("rows %+v, want %s from the gallery", rows, want)
		}
		if !strings.Contains(r.stderr, "public.ecr.aws → "+ts.URL+"/public.ecr.aws") {
			t.Errorf("stderr does not show the gallery's endpoint override:\n%s", r.stderr)
		}
	}
	if n := ts.GalleryLogins(); n != 1 {
		t.Errorf("%d gallery logins with an ECR Public token, want 1 (only with --gallery-login)", n)
	}
}
