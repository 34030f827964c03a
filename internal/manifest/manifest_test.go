package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// brief is an Image in one line: where it is, its value, and the source text of the span.
func brief(data []byte, im Image) string {
	text := "-"
	if im.Start >= 0 {
		text = string(data[im.Start:im.End])
	}
	init := ""
	if im.Init {
		init = " init"
	}
	s := fmt.Sprintf("%d %s/%s/%s %s%s %d:%d %s", im.Doc, im.Namespace, im.Kind, im.Name, im.Container, init, im.Line, im.Column, text)
	if im.Problem != "" {
		s += " (" + im.Problem + ")"
	}
	return s
}

func TestKubernetes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"deployment with init container and comments", `# the web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # name
  namespace: shop
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod" # quoted
      containers:
        - name: app
          image: nginx:1.27
        - image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod'
          name: envoy
`, []string{
			`0 shop/Deployment/web init init 12:18 "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"`,
			`0 shop/Deployment/web app 15:18 nginx:1.27`,
			`0 shop/Deployment/web envoy 16:18 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod'`,
		}},
		{"several documents, pod, cronjob, daemonset, empty document", `---
kind: Pod
metadata: {name: p}
spec: {containers: [{name: envoy, image: a.example/x:1}]}
---
---
kind: CronJob
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: job
            image: b.example/y:2
---
kind: DaemonSet
metadata:
  name: ds
spec:
  template:
    spec:
      containers:
      - {name: envoy, image: "c.example/z:3"}
`, []string{
			`0 /Pod/p envoy 4:42 a.example/x:1`,
			`2 /CronJob/nightly job 17:20 b.example/y:2`,
			`3 /DaemonSet/ds envoy 26:30 "c.example/z:3"`,
		}},
		{"anchors and aliases, merge key", `kind: Deployment
metadata: {name: a}
spec:
  template:
    spec:
      containers:
      - &envoy
        name: envoy
        image: &img d.example/envoy:1
      - name: other
        image: *img
---
kind: Deployment
metadata: {name: b}
x-base: &base {image: m.example/merged:1}
spec:
  template:
    spec:
      containers:
      - <<: *base
        name: merged
---
kind: Deployment
metadata: {name: c}
x-image: &shared e.example/envoy:1
spec:
  template:
    spec:
      containers:
      - name: envoy
        image: *shared
`, []string{
			`0 /Deployment/a envoy 9:21 d.example/envoy:1`,
			`0 /Deployment/a other 9:21 d.example/envoy:1`,
			`1 /Deployment/b merged 15:23 - (it is a YAML anchor also used outside container images)`,
			`2 /Deployment/c envoy 25:18 - (it is a YAML anchor also used outside container images)`,
		}},
		{"kubectl get -o json list", `{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
     "spec": {"template": {"spec": {"containers": [{"name": "envoy", "image": "f.example\/envoy:1"}]}}}},
    {"kind": "PodList", "items": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "é", "image": "g.example/é:1"}]}}]}
  ]
}`, []string{
			`0 shop/Deployment/web envoy 6:79 "f.example\/envoy:1"`,
			`0 /Pod/p é 7:126 "g.example/é:1"`,
		}},
		{"not kubernetes", "a: b\n---\n- 1\n---\nkind: Service\nspec: {ports: []}\n", nil},
		{"block scalar", "kind: Pod\nspec:\n  containers:\n  - name: x\n    image: |\n      h.example/x:1\n", []string{
			"0 /Pod/ x 5:12 - (it is a block scalar (| or >))",
		}},
		{"non-string image", "kind: Pod\nspec: {containers: [{name: x, image: 12}]}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.in)
			imgs, err := Kubernetes(data)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, im := range imgs {
				got = append(got, brief(data, im))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKubernetesErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		want     string
	}{
		{"bad YAML", "kind: Pod\nspec:\n  containers: [\n", 3, "not valid YAML"},
		{"billion laughs", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", 0, "more than a million"},
		{"tab indentation", "kind: Pod\nspec:\n\tcontainers: []\n", 3, "not valid YAML"},
		{"bad JSON", "{\"kind\": \"Pod\",\n \"spec\": }", 2, "not valid JSON"},
		{"truncated JSON", "{\"kind\": \"Pod\"", 1, "not valid JSON"},
		{"JSON cut after a comma", "{\"kind\": \"Pod\",", 1, "unexpected end of input"},
		{"JSON cut after a comma in an array", "[{\"kind\": \"Pod\"},", 1, "unexpected end of input"},
		{"JSON array of non-objects", "[1, 2, {]", 1, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Kubernetes([]byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("error = %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Error(), tt.want) {
				t.Errorf("error = %q (line %d), want line %d and %q", se.Error(), se.Line, tt.line, tt.want)
			}
		})
	}
}

func TestReadTaskDefinition(t *testing.T) {
	in := []byte(`{
    "taskDefinition": {
        "family": "web",
        "containerDefinitions": [
            {"name": "app", "image": "nginx:1.27"},
            {"name": "envoy", "image": "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"}
        ]
    }
}`)
	td, err := ReadTaskDefinition(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, im := range td.Images {
		got = append(got, brief(in, im))
	}
	want := []string{
		`0 /TaskDefinition/web app 5:38 "nginx:1.27"`,
		`0 /TaskDefinition/web envoy 6:40 "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"`,
	}
	if diff := cmp.Diff(want, got); diff != "" || !td.Wrapped || td.Family != "web" {
		t.Errorf("images (-want +got):\n%s\nwrapped %v family %q", diff, td.Wrapped, td.Family)
	}

	for _, tt := range []struct{ name, in, want string }{
		{"YAML", "family: web\n", "not JSON"},
		{"no containers", `{"taskDefinition": {"family": "web", "containerDefinitions": []}}`, "no containerDefinitions"},
		{"container without image", `{"family": "web", "containerDefinitions": [{"name": "a"}]}`, "container definition 1 has no image"},
		{"two objects", `{"family": "a"} {"family": "b"}`, "not one JSON object"},
		{"malformed", `{"family": "a",}`, "line 1, column 16: not valid JSON"},
		{"taskDefinition not an object", `{"taskDefinition": []}`, "not an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTaskDefinition([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrSyntax) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// checkSpans checks what every parser result must satisfy: a located value's source
// text reads back as the value.
func checkSpans(t *testing.T, data []byte, imgs []Image) {
	t.Helper()
	for _, im := range imgs {
		if im.Start < 0 {
			if im.Problem == "" {
				t.Errorf("image %q has no span and no problem", im.Value)
			}
			continue
		}
		if im.Start > im.End || im.End > len(data) {
			t.Fatalf("span %d:%d outside the input of %d bytes", im.Start, im.End, len(data))
		}
		text := data[im.Start:im.End]
		var back string
		var err error
		if im.Quote == '"' && isJSON(data) {
			err = json.Unmarshal(text, &back)
		} else if im.Quote != 0 {
			err = yaml.Unmarshal(text, &back)
		} else {
			back = string(text)
		}
		if err != nil || back != im.Value {
			t.Errorf("span %q reads back as %q (%v), want %q", text, back, err, im.Value)
		}
	}
}

func FuzzKubernetes(f *testing.F) {
	f.Add([]byte("kind: Pod\nspec: {containers: [{name: a, image: 'x.example/y:1'}]}\n"))
	f.Add([]byte(`{"kind":"List","items":[{"kind":"Pod","spec":{"containers":[{"image":"a\u00e9\/b"}]}}]}`))
	f.Add([]byte("kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - image: &a \"x\\\"y\"\n      - image: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		imgs, err := Kubernetes(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a *SyntaxError: %v", err)
			}
			return
		}
		checkSpans(t, data, imgs)
	})
}

func FuzzReadTaskDefinition(f *testing.F) {
	f.Add([]byte(`{"taskDefinition":{"family":"a","containerDefinitions":[{"name":"e","image":"x.example/y:1"}]}}`))
	f.Add([]byte(`{"family":"a","containerDefinitions":[{"name":"e","image":"\"q\"\\"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		td, err := ReadTaskDefinition(data)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error does not match ErrSyntax: %v", err)
			}
			return
		}
		if len(td.Images) == 0 {
			t.Fatal("a task definition without images was accepted")
		}
		checkSpans(t, data, td.Images)
	})
}
