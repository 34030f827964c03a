package manifest

import (
	"strconv"
	"strings"
)

// Image is one container's image value in a document.
type Image struct {
	// Doc is the index of the document in the input, from 0.
	Doc int
	// Namespace, Kind and Name describe the object: a Kubernetes workload ("Deployment",
	// "web"), or "TaskDefinition" and the family for an ECS task definition.
	Namespace, Kind, Name string
	// Container is the container's name.
	Container string
	// Init reports a Kubernetes init container.
	Init bool
	// Value is the image reference.
	Value string
	// Line and Column locate the value in the input, from 1 (Column counts bytes).
	Line, Column int
	// Start and End are the byte span of the value's text, quotes included; both are -1
	// when Problem is set.
	Start, End int
	// Quote is the value's quote character: 0 (plain), '"' or '\''.
	Quote byte
	// Problem says why the value cannot be replaced in place: it could not be located, or
	// (a YAML anchor) the same text is also used outside image values. "" when it can.
	Problem string
	// node is the scalar, to count image uses of shared (anchored) scalars.
	node *node
}

// podSpecPaths are where workloads keep their pod spec (Kubernetes API reference:
// Pod.spec, PodTemplate.template.spec, the workload controllers' spec.template.spec,
// CronJob.spec.jobTemplate.spec.template.spec).
var podSpecPaths = map[string][]string{
	"Pod":         {"spec"},
	"PodTemplate": {"template", "spec"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template", "spec"},
}

// genericPodSpec is the path of the pod spec of every other workload kind (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController, and custom workloads
// that follow the same shape, such as Argo Rollouts).
var genericPodSpec = []string{"spec", "template", "spec"}

// Kubernetes returns the images of every container and init container of every object
// in data: YAML or JSON, several documents, List kinds ("List", "PodList", ..., as
// "kubectl get -o json" prints), in the order they appear. Documents that are not
// Kubernetes objects (no kind) are skipped. The error is a [*SyntaxError].
func Kubernetes(data []byte) ([]Image, error) {
	docs, err := parse(data)
	if err != nil {
		return nil, err
	}
	var out []Image
	for i, d := range docs {
		out = collectObject(out, d, i, 0)
	}
	return finish(out), nil
}

// collectObject adds the images of a Kubernetes object (or of the items of a list).
func collectObject(out []Image, obj *node, doc, depth int) []Image {
	if obj == nil || obj.kind != mappingNode || depth > 8 {
		return out
	}
	kind := obj.get("kind").text()
	if items := obj.get("items"); items != nil && items.kind == sequenceNode && (kind == "" || strings.HasSuffix(kind, "List")) {
		for _, it := range items.items {
			out = collectObject(out, it, doc, depth+1)
		}
		return out
	}
	if kind == "" {
		return out
	}
	path, ok := podSpecPaths[kind]
	if !ok {
		path = genericPodSpec
	}
	spec := obj.path(path...)
	if spec == nil || spec.kind != mappingNode {
		return out
	}
	ns := obj.path("metadata", "namespace").text()
	name := obj.path("metadata", "name").text()
	for _, list := range []struct {
		key  string
		init bool
	}{{"initContainers", true}, {"containers", false}} {
		cs := spec.get(list.key)
		if cs == nil || cs.kind != sequenceNode {
			continue
		}
		for _, c := range cs.items {
			img := c.get("image")
			if img == nil || img.kind != scalarNode || !img.str {
				continue
			}
			out = append(out, site(img, doc, ns, kind, name, c.get("name").text(), list.init))
		}
	}
	return out
}

// site makes an Image of a scalar.
func site(n *node, doc int, ns, kind, name, container string, init bool) Image {
	return Image{Doc: doc, Namespace: ns, Kind: kind, Name: name, Container: container, Init: init, Value: n.value,
		Line: n.line, Column: n.col, Start: n.start, End: n.end, Quote: n.quote, Problem: n.problem, node: n}
}

// finish marks the images whose scalar is also used elsewhere (a YAML anchor used by an
// alias outside image values) and sorts nothing: the order is the input's.
func finish(imgs []Image) []Image {
	asImage := map[*node]int{}
	for _, im := range imgs {
		asImage[im.node]++
	}
	for i, im := range imgs {
		if im.Problem == "" && im.node.paths > asImage[im.node] {
			imgs[i].Problem = "it is a YAML anchor also used outside container images"
		}
		if imgs[i].Problem != "" {
			imgs[i].Start, imgs[i].End = -1, -1
		}
		imgs[i].node = nil
	}
	return imgs
}

// TaskDefinition is an Amazon ECS task definition as read by [ReadTaskDefinition].
type TaskDefinition struct {
	// Family is the task definition's family.
	Family string
	// Wrapped reports input in the shape "aws ecs describe-task-definition" prints, with
	// the task definition under the key "taskDefinition"; otherwise the input is the
	// task definition itself (the shape of register-task-definition's input).
	Wrapped bool
	// Images are the images of its container definitions, in order.
	Images []Image
}

// ReadTaskDefinition reads one ECS task definition from JSON: the output of "aws ecs
// describe-task-definition" (the object under "taskDefinition") or a task definition
// object itself. It must have at least one container definition, each with a string
// image. The error is a [*SyntaxError].
func ReadTaskDefinition(data []byte) (TaskDefinition, error) {
	if !isJSON(data) {
		return TaskDefinition{}, &SyntaxError{Msg: "not JSON: a task definition is the JSON object that aws ecs describe-task-definition prints"}
	}
	docs, err := parse(data)
	if err != nil {
		return TaskDefinition{}, err
	}
	if len(docs) != 1 || docs[0].kind != mappingNode {
		return TaskDefinition{}, &SyntaxError{Msg: "not one JSON object: a task definition is the object that aws ecs describe-task-definition prints"}
	}
	td := TaskDefinition{}
	obj := docs[0]
	if inner := obj.get("taskDefinition"); inner != nil {
		if inner.kind != mappingNode {
			return TaskDefinition{}, &SyntaxError{Msg: `"taskDefinition" is not an object`}
		}
		obj, td.Wrapped = inner, true
	}
	td.Family = obj.get("family").text()
	defs := obj.get("containerDefinitions")
	if defs == nil || defs.kind != sequenceNode || len(defs.items) == 0 {
		return TaskDefinition{}, &SyntaxError{Msg: "the task definition has no containerDefinitions; give the output of aws ecs describe-task-definition"}
	}
	for i, c := range defs.items {
		img := c.get("image")
		if c.kind != mappingNode || img == nil || img.kind != scalarNode || !img.str {
			return TaskDefinition{}, &SyntaxError{Msg: "container definition " + strconv.Itoa(i+1) + " has no image"}
		}
		td.Images = append(td.Images, site(img, 0, "", "TaskDefinition", td.Family, c.get("name").text(), false))
	}
	td.Images = finish(td.Images)
	return td, nil
}
