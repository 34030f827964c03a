package sidecar_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

// trickyEnv has values that need quoting in every output form.
var trickyEnv = []sidecar.EnvVar{
	{Name: "APPMESH_RESOURCE_ARN", Value: "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"},
	{Name: "DD_SERVICE", Value: `it's "cart" & <co> $HOME #1`},
	{Name: "ENABLE_ENVOY_XRAY_TRACING", Value: "1"},
	{Name: "ENVOY_LOG_LEVEL", Value: "off"},
	{Name: "ENVOY_NEW_THING", Value: "line1\nline2\ttab\\ünï"},
	{Name: "XRAY_SAMPLING_RATE", Value: "0.05"},
	{Name: "XRAY_SEGMENT_NAME", Value: "true"},
}

func TestEnvJSONObject(t *testing.T) {
	obj, err := sidecar.EnvJSONObject(trickyEnv)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "env-object.json", obj)
	var back map[string]string
	if err := json.Unmarshal(obj, &back); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, v := range trickyEnv {
		want[v.Name] = v.Value
	}
	if d := cmp.Diff(want, back); d != "" {
		t.Errorf("JSON object does not read back (-want +got)\n%s", d)
	}
	dup, _ := sidecar.EnvJSONObject([]sidecar.EnvVar{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}})
	if string(dup) != "{\n  \"A\": \"2\"\n}\n" {
		t.Errorf("a later duplicate must win: %s", dup)
	}
}
