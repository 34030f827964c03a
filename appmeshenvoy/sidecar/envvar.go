package sidecar

import (
	"bytes"
	"encoding/json"
)

// EnvVar is one environment variable. Its JSON form is the one of an ECS container
// definition's environment list, {"name": ..., "value": ...}, and its YAML form the one
// of a Kubernetes container's env list.
type EnvVar struct {
	Name  string `json:"name" yaml:"name"`
	Value string `json:"value" yaml:"value"`
}

// String returns NAME=value.
func (v EnvVar) String() string { return v.Name + "=" + v.Value }

// EnvJSONObject returns env as one JSON object {"NAME": "value", ...} with sorted keys;
// a later duplicate name wins.
func EnvJSONObject(env []EnvVar) ([]byte, error) {
	m := make(map[string]string, len(env))
	for _, v := range env {
		m[v.Name] = v.Value
	}
	return indentJSON(m)
}

// indentJSON marshals v indented by two spaces, without HTML escaping, with a final
// newline.
func indentJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
