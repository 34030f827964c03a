package rewrite_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/rewrite"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var update = flag.Bool("update", false, "rewrite the golden files")

const mirror = "111122223333.dkr.ecr.{region}.amazonaws.com/mirror/aws-appmesh-envoy"

// digestOf is the digest the fake mirror holds for a reference: a sha256 of it.
func digestOf(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// fakeMirror holds every tag of the mirror repository in the given regions, except
// tags named "missing".
func fakeMirror(regions ...string) rewrite.PinFunc {
	return func(_ context.Context, img appmeshenvoy.Image) (appmeshenvoy.Image, error) {
		if !slices.Contains(regions, img.Region()) || img.Repository != "mirror/aws-appmesh-envoy" || img.Tag == "missing" {
			return appmeshenvoy.Image{}, &appmeshenvoy.RegionError{Region: img.Region(), Op: "pin",
				Err: fmtErr(appmeshenvoy.ErrImageNotFound, "no image "+img.String()+" (ImageNotFoundException)")}
		}
		d := digestOf(img.RepositoryURI() + ":" + img.Tag)
		if img.Digest != "" && img.Digest != d {
			return appmeshenvoy.Image{}, fmtErr(appmeshenvoy.ErrDigestMismatch, "tag moved")
		}
		img.Digest = d
		return img, nil
	}
}

type codedErr struct {
	kind error
	msg  string
}

func (e codedErr) Error() string { return e.msg }
func (e codedErr) Unwrap() error { return e.kind }

func fmtErr(kind error, msg string) error { return codedErr{kind, msg} }

func newRewriter(t *testing.T, pinner rewrite.Pinner) *rewrite.Rewriter {
	t.Helper()
	r, err := rewrite.New(mirror, pinner, func(o *rewrite.Options) { o.Region = "us-east-1" })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rewriteFile rewrites one input file as the CLI would: task definitions by name.
func rewriteFile(ctx context.Context, r *rewrite.Rewriter, name string, data []byte) (rewrite.Result, error) {
	if strings.HasSuffix(name, "-describe.json") || strings.HasSuffix(name, "-register.json") {
		return r.TaskDefinition(ctx, name, data)
	}
	return r.Kubernetes(ctx, name, data)
}

// TestGolden rewrites every input of testdata/input and compares with
// testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	r := newRewriter(t, fakeMirror("us-west-2", "eu-west-1", "us-east-1"))
	inputs, err := filepath.Glob("testdata/input/*")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := rewriteFile(context.Background(), r, name, data)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(name, "no-envoy") {
				if len(res.Changes) != 0 || string(res.Output) != string(data) {
					t.Errorf("a file without Envoy image changed: %v", res.Changes)
				}
				return
			}
			if len(res.Changes) == 0 {
				t.Fatal("no changes")
			}
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.WriteFile(golden, res.Output, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), string(res.Output)); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOnlyImageValuesChange checks the Kubernetes outputs line by line: every line that
// differs is an Envoy container's image line, with only the reference replaced;
// the annotation and the environment value that hold the same reference stay.
func TestOnlyImageValuesChange(t *testing.T) {
	r := newRewriter(t, fakeMirror("us-west-2"))
	data, err := os.ReadFile("testdata/input/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Kubernetes(context.Background(), "deployment.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	old := "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"
	pinned := "111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/aws-appmesh-envoy:v1.29.6.0-prod@" +
		digestOf("111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/aws-appmesh-envoy:v1.29.6.0-prod")
	in, out := strings.Split(string(data), "\n"), strings.Split(string(res.Output), "\n")
	if len(in) != len(out) {
		t.Fatalf("%d lines became %d", len(in), len(out))
	}
	var changed []int
	for i := range in {
		if in[i] != out[i] {
			changed = append(changed, i+1)
			if strings.Replace(in[i], old, pinned, 1) != out[i] || !strings.Contains(in[i], "image:") {
				t.Errorf("line %d: %q became %q", i+1, in[i], out[i])
			}
		}
	}
	if diff := cmp.Diff([]int{20, 29}, changed); diff != "" {
		t.Errorf("changed lines (-want +got):\n%s", diff)
	}
	if n := strings.Count(string(res.Output), old); n != 2 {
		t.Errorf("the annotation and the environment value should keep the old reference: %d left", n)
	}
	wantChanges := []rewrite.Change{
		{Line: 20, Column: 18, Kind: "Deployment", Name: "web", Container: "proxyinit", From: old, To: pinned},
		{Line: 29, Column: 18, Kind: "Deployment", Name: "web", Container: "envoy", From: old, To: pinned},
	}
	if diff := cmp.Diff(wantChanges, res.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	// The result parses as the same documents with the new image values.
	var before, after yaml.Node
	if yaml.Unmarshal(data, &before) != nil || yaml.Unmarshal(res.Output, &after) != nil {
		t.Fatal("output does not parse")
	}
}

func TestErrors(t *testing.T) {
	r := newRewriter(t, fakeMirror("us-west-2", "us-east-1"))
	ctx := context.Background()
	envoy := "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:"
	tests := []struct {
		name   string
		ecs    bool
		in     string
		want   string
		code   appmeshenvoy.Code
		target error
	}{
		{"mirror without the image", false, "kind: Pod\nspec:\n  containers:\n  - name: envoy\n    image: " + envoy + "missing\n",
			"...(cut): the mirror's 111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/aws-appmesh-envoy:missing: pin us-west-2: no image",
			appmeshenvoy.CodeImageNotFound, appmeshenvoy.ErrImageNotFound},
		{"mirror in a region without it", false, "kind: Pod\nspec: {containers: [{name: e, image: '840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod'}]}\n",
			"in.yaml:2:38:", appmeshenvoy.CodeImageNotFound, appmeshenvoy.ErrImageNotFound},
		{"digest of another image", false, "kind: Pod\nspec: {containers: [{name: e, image: " + envoy + "v1.29.6.0-prod@sha256:" + strings.Repeat("a", 64) + "}]}\n",
			"tag moved", appmeshenvoy.CodeDigestMismatch, appmeshenvoy.ErrDigestMismatch},
		{"no tag", false, "kind: Pod\nspec: {containers: [{name: e, image: '840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy'}]}\n",
			"has no tag", appmeshenvoy.CodeInvalidInput, rewrite.ErrCannotRewrite},
		{"block scalar", false, "kind: Pod\nspec:\n  containers:\n  - name: e\n    image: >-\n      " + envoy + "v1\n",
			"in.yaml:5:12:", appmeshenvoy.CodeInvalidInput, rewrite.ErrCannotRewrite},
		{"anchor used elsewhere", false, "kind: Pod\nmetadata: {annotations: {img: &i '" + envoy + "v1'}}\nspec: {containers: [{name: e, image: *i}]}\n",
			"also used outside container images", appmeshenvoy.CodeInvalidInput, rewrite.ErrCannotRewrite},
		{"malformed YAML", false, "kind: Pod\nspec:\n  containers: [\n", "in.yaml: line 3: not valid YAML", appmeshenvoy.CodeInvalidInput, rewrite.ErrMalformed},
		{"malformed JSON", true, `{"family": "x", "containerDefinitions": [}`, "in.yaml: line 1, column 42: not valid JSON", appmeshenvoy.CodeInvalidInput, rewrite.ErrMalformed},
		{"task definition without containers", true, `{"taskDefinition": {"family": "x"}}`, "no containerDefinitions", appmeshenvoy.CodeInvalidInput, rewrite.ErrMalformed},
		{"container without image", true, `{"family": "x", "containerDefinitions": [{"name": "a"}]}`, "container definition 1 has no image", appmeshenvoy.CodeInvalidInput, rewrite.ErrMalformed},
		{"image that is not an image", true, `{"family": "x", "containerDefinitions": [{"name": "a", "image": "not an image/aws-appmesh-envoy"}]}`,
			`in.yaml:1:65: invalid image reference "not an image/aws-appmesh-envoy": bad registry host`, appmeshenvoy.CodeInvalidInput, rewrite.ErrMalformed},
		{"other image that is not an image", true, `{"family": "x", "containerDefinitions": [{"name": "a", "image": "not an image"}]}`, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res rewrite.Result
			var err error
			if tt.ecs {
				res, err = r.TaskDefinition(ctx, "in.yaml", []byte(tt.in))
			} else {
				res, err = r.Kubernetes(ctx, "in.yaml", []byte(tt.in))
			}
			if tt.target == nil {
				// Not an image reference: not an Envoy image, nothing to do.
				if err != nil || len(res.Changes) != 0 || string(res.Output) != tt.in {
					t.Errorf("got %v, %v", res.Changes, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; output:\n%s", res.Output)
			}
			if !strings.Contains(err.Error(), tt.want) || !errors.Is(err, tt.target) || appmeshenvoy.CodeOf(err) != tt.code {
				t.Errorf("error = %q (code %s), want %q (code %s)", err, appmeshenvoy.CodeOf(err), tt.want, tt.code)
			}
		})
	}
}

func TestNew(t *testing.T) {
	for _, to := range []string{"", "no-host", "111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror:tag", "https://x.example/y", "x.example/Upper"} {
		if _, err := rewrite.New(to, fakeMirror()); !errors.Is(err, rewrite.ErrInvalidTarget) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
			t.Errorf("New(%q) = %v", to, err)
		}
	}
	if _, err := rewrite.New("registry.example.com/envoy", nil); err == nil {
		t.Error("New without a Pinner succeeded")
	}
	// A gallery image and "{region}" without Options.Region cannot be placed.
	r, err := rewrite.New(mirror, fakeMirror("us-west-2"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Kubernetes(context.Background(), "g.yaml", []byte("kind: Pod\nspec: {containers: [{image: public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod}]}\n"))
	if !errors.Is(err, rewrite.ErrCannotRewrite) || !strings.Contains(err.Error(), "--region") {
		t.Errorf("gallery image without region: %v", err)
	}
	var zero rewrite.Rewriter
	if _, err := zero.Kubernetes(context.Background(), "x", []byte("kind: Pod\nspec: {containers: [{image: public.ecr.aws/appmesh/aws-appmesh-envoy:v1}]}")); appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeNotInitialized {
		t.Errorf("zero Rewriter: %v", err)
	}
}

// TestReadOnlyFieldsMatchSDK checks ReadOnlyFields against the SDK's model: the fields
// of TaskDefinition that RegisterTaskDefinitionInput does not have.
func TestReadOnlyFieldsMatchSDK(t *testing.T) {
	in := map[string]bool{}
	rt := reflect.TypeOf(ecs.RegisterTaskDefinitionInput{})
	for i := 0; i < rt.NumField(); i++ {
		in[rt.Field(i).Name] = true
	}
	var readOnly []string
	td := reflect.TypeOf(ecstypes.TaskDefinition{})
	for i := 0; i < td.NumField(); i++ {
		if f := td.Field(i); f.IsExported() && !in[f.Name] {
			readOnly = append(readOnly, strings.ToLower(f.Name[:1])+f.Name[1:])
		}
	}
	slices.Sort(readOnly)
	if diff := cmp.Diff(readOnly, rewrite.ReadOnlyFields()); diff != "" {
		t.Errorf("ReadOnlyFields (-SDK +ours):\n%s", diff)
	}
}

func TestDiff(t *testing.T) {
	if d := rewrite.Diff("x", []byte("a\n"), []byte("a\n")); d != "" {
		t.Errorf("diff of equal inputs = %q", d)
	}
	d := rewrite.Diff("web.yaml", []byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	want := "--- a/web.yaml\n+++ b/web.yaml\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
	if d != want {
		t.Errorf("diff =\n%s\nwant\n%s", d, want)
	}
}

// FuzzKubernetes rewrites arbitrary manifests: whatever is accepted parses again, with
// the same images, and only Envoy images changed.
func FuzzKubernetes(f *testing.F) {
	for _, name := range []string{"deployment.yaml", "helm-rendered.yaml", "list.json", "daemonset.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "input", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	r, err := rewrite.New(mirror, fakeMirror("us-west-2", "eu-west-1", "us-east-1"), func(o *rewrite.Options) { o.Region = "us-east-1" })
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := r.Kubernetes(context.Background(), "fuzz.yaml", data)
		if err != nil {
			if appmeshenvoy.CodeOf(err) == appmeshenvoy.CodeUnknown {
				t.Fatalf("error without code: %v", err)
			}
			return
		}
		if len(res.Changes) == 0 {
			if string(res.Output) != string(data) {
				t.Fatal("output changed without changes")
			}
			return
		}
		again, err := r.Kubernetes(context.Background(), "fuzz.yaml", res.Output)
		if err != nil {
			t.Fatalf("the output does not rewrite again: %v", err)
		}
		// The mirror repository keeps the name aws-appmesh-envoy, so a second pass
		// finds the rewritten images and pins them again, to the same digest.
		if string(again.Output) != string(res.Output) {
			t.Fatalf("a second rewrite changed the output:\n%s", rewrite.Diff("x", res.Output, again.Output))
		}
	})
}
