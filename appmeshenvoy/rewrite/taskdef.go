package rewrite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/manifest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// ReadOnlyFields returns the task definition fields that DescribeTaskDefinition returns
// and RegisterTaskDefinition does not accept, which [Rewriter.TaskDefinition] drops:
// the members of the TaskDefinition shape that are not request parameters of
// RegisterTaskDefinition in the Amazon ECS API Reference
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskDefinition.html,
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html).
func ReadOnlyFields() []string {
	return []string{"compatibilities", "deleteRequestedAt", "deregisteredAt", "registeredAt", "registeredBy",
		"requiresAttributes", "revision", "status", "taskDefinitionArn"}
}

// TaskDefinition rewrites the Envoy images of an Amazon ECS task definition given as
// "aws ecs describe-task-definition" prints it (or as a task definition object), and
// returns it ready for "aws ecs register-task-definition --cli-input-json": the object
// under "taskDefinition" with the read-only fields dropped ([ReadOnlyFields]) and the
// describe output's "tags" (from --include TAGS) added, keys in their order, indented
// with four spaces. Every other value — other containers, dependsOn, proxy
// configuration, environment — is kept as it was. A task definition without Envoy image
// is returned unchanged, with no Changes.
//
// Errors: [ErrMalformed] for input that is not a task definition (not JSON, no
// containerDefinitions, a container without image), [ErrCannotRewrite], or the
// Pinner's error (the mirror has no such image), each naming file and position.
func (r *Rewriter) TaskDefinition(ctx context.Context, file string, data []byte) (Result, error) {
	td, err := manifest.ReadTaskDefinition(data)
	if err != nil {
		return Result{}, errcode.Wrap(ErrMalformed, quote.Text(file, 256)+": "+err.Error(), err)
	}
	edits, changes, err := r.plan(ctx, file, td.Images)
	if err != nil || len(edits) == 0 {
		return Result{Output: data}, err
	}
	out, err := splice(data, edits)
	if err != nil {
		return Result{}, err
	}
	locate := func(b []byte) ([]manifest.Image, error) {
		td, err := manifest.ReadTaskDefinition(b)
		return td.Images, err
	}
	if err := verify(data, out, locate, edits); err != nil {
		return Result{}, err
	}
	if out, err = registerInput(out); err != nil {
		return Result{}, err
	}
	return Result{Output: out, Changes: changes}, nil
}

// member is one key of a JSON object with its value's bytes.
type member struct {
	key   string
	value json.RawMessage
}

// members reads a JSON object's members in order, values verbatim.
func members(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{k, v})
	}
	return out, nil
}

// registerInput turns a task definition (describe output or object) into the input of
// RegisterTaskDefinition; input that needs no change is returned as it is.
func registerInput(data []byte) ([]byte, error) {
	top, err := members(data)
	if err != nil {
		return nil, errcode.Wrap(errSplice, "rewrite: internal error: "+err.Error(), err)
	}
	obj, tags := top, json.RawMessage(nil)
	wrapped := false
	for _, m := range top {
		switch m.key {
		case "taskDefinition":
			if obj, err = members(m.value); err != nil {
				return nil, errcode.Wrap(errSplice, "rewrite: internal error: "+err.Error(), err)
			}
			wrapped = true
		case "tags":
			tags = m.value
		}
	}
	kept := slices.DeleteFunc(slices.Clone(obj), func(m member) bool { return slices.Contains(ReadOnlyFields(), m.key) })
	if !wrapped && len(kept) == len(obj) {
		return data, nil
	}
	if wrapped && tags != nil && string(tags) != "null" && !slices.ContainsFunc(kept, func(m member) bool { return m.key == "tags" }) {
		kept = append(kept, member{"tags", tags})
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range kept {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "    "); err != nil {
		return nil, errcode.Wrap(errSplice, "rewrite: internal error: "+err.Error(), err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
