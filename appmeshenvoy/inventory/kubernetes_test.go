package inventory_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
)

const helmRendered = `---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      initContainers:
        - name: proxyinit
          image: 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod
      containers:
        - name: web
          image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/web:2.1"
        - name: mesh-proxy   # the name says nothing: the repository decides
          image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod@sha256:3333333333333333333333333333333333333333333333333333333333333333"
---
# Source: shop/templates/gateway.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: gateway
spec:
  template:
    spec:
      containers:
        - name: envoy
          image: public.ecr.aws/appmesh/aws-appmesh-envoy:v1.16.1.0-prod
        - name: envoy-named-but-not-envoy
          image: docker.io/envoyproxy/envoy:v1.31.0
`

func TestKubernetes(t *testing.T) {
	got, err := inventory.Kubernetes("chart.yaml", []byte(helmRendered), inventory.Matcher{Mirrors: []string{"111122223333.dkr.ecr.{region}.amazonaws.com/platform/envoy"}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range got {
		var vs []string
		for _, v := range c.Verdicts {
			vs = append(vs, string(v))
		}
		lines = append(lines, fmt.Sprintf("%s:%d:%d %s/%s/%s %s init=%v %s %s", c.File, c.Line, c.Column, c.Namespace, c.Kind, c.Workload, c.Name, c.Init, c.Source, strings.Join(vs, ",")))
	}
	want := []string{
		"chart.yaml:13:18 shop/Deployment/web proxyinit init=true aws at-risk,older,unpinned",
		"chart.yaml:18:18 shop/Deployment/web mesh-proxy init=false mirror ok",
		"chart.yaml:30:18 /DaemonSet/gateway envoy init=false gallery at-risk,below-minimum,unpinned",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	for _, c := range got {
		if c.LatestSource != appmeshenvoy.SourceBuiltin || c.Latest.Tag != "v1.39.1.0-prod" {
			t.Errorf("%s compared with %s (%s)", c.Name, c.Latest, c.LatestSource)
		}
	}
}

func TestKubernetesMalformed(t *testing.T) {
	_, err := inventory.Kubernetes("bad.yaml", []byte("kind: Pod\nspec:\n  containers: [\n"), inventory.Matcher{})
	if !errors.Is(err, inventory.ErrMalformedManifest) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput ||
		!strings.HasPrefix(err.Error(), "bad.yaml: line 3: not valid YAML") {
		t.Errorf("error = %v (%s)", err, appmeshenvoy.CodeOf(err))
	}
}

func TestMatcher(t *testing.T) {
	m := inventory.Matcher{Mirrors: []string{"registry.example.com/team/proxy", "111122223333.dkr.ecr.{region}.amazonaws.com/envoy"}}
	tests := []struct {
		ref    string
		match  bool
		source inventory.Source
	}{
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", true, inventory.SourceAWS},
		{"111345817488.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod", true, inventory.SourceAWS},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy", true, inventory.SourceAWS},
		{"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", true, inventory.SourceGallery},
		{"ecr-public.aws.com/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", true, inventory.SourceGallery},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", true, inventory.SourcePullThroughCache},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", true, inventory.SourceMirror},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1", true, inventory.SourceMirror},
		{"registry.example.com/team/proxy@sha256:3333333333333333333333333333333333333333333333333333333333333333", true, inventory.SourceMirror},
		{"registry.example.com/team/proxy-other:1", false, ""},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy-x:v1", false, ""},
		{"aws-appmesh-envoy:v1.29.6.0-prod", false, ""},
		{"envoyproxy/envoy:v1.31.0", false, ""},
		{"not a reference", false, ""},
		{"registry.example.com/aws-appmesh-envoy-x", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			img, ok, err := m.Match(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.match {
				t.Fatalf("Match = %v, want %v", ok, tt.match)
			}
			if ok && inventory.SourceOf(img) != tt.source {
				t.Errorf("SourceOf = %s, want %s", inventory.SourceOf(img), tt.source)
			}
		})
	}
}

func TestParseVerdicts(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []inventory.Verdict
		bad  bool
	}{
		{"at-risk, unpinned,at-risk", []inventory.Verdict{inventory.VerdictAtRisk, inventory.VerdictUnpinned}, false},
		{"never", nil, false},
		{"older,never", nil, true},
		{"", nil, true},
		{"risky", nil, true},
	} {
		got, err := inventory.ParseVerdicts(tt.in)
		if (err != nil) != tt.bad || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseVerdicts(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
			t.Errorf("code = %s", appmeshenvoy.CodeOf(err))
		}
	}
}

func TestMatcherInvalidEnvoyReference(t *testing.T) {
	m := inventory.Matcher{Mirrors: []string{"registry.example.com/team/proxy"}}
	for _, ref := range []string{
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:bad tag",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@sha256:short",
		"registry.example.com/team/proxy:-bad",
	} {
		if _, ok, err := m.Match(ref); ok || !errors.Is(err, appmeshenvoy.ErrInvalidImage) {
			t.Errorf("Match(%q) = %v, %v; want an invalid-image error", ref, ok, err)
		}
	}
	_, err := inventory.Kubernetes("pod.yaml", []byte("kind: Pod\nspec:\n  containers:\n  - image: '840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1!'\n"), m)
	if !errors.Is(err, inventory.ErrMalformedManifest) || !strings.HasPrefix(err.Error(), "pod.yaml:4:12: ") {
		t.Errorf("Kubernetes: %v", err)
	}
}
