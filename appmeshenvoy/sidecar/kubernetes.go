package sidecar

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// KubernetesEnvYAML returns env as the env list of a Kubernetes container:
//
//	env:
//	  - name: ENVOY_LOG_LEVEL
//	    value: debug
//
// Values are quoted where YAML would otherwise read them as something other than a
// string ("1", "true", "0.05").
func KubernetesEnvYAML(env []EnvVar) ([]byte, error) {
	if env == nil {
		env = []EnvVar{}
	}
	return indentYAML(struct {
		Env []EnvVar `yaml:"env"`
	}{env})
}

// indentYAML marshals v as YAML indented by two spaces.
func indentYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// KubernetesSidecarOptions describe the Envoy sidecar container of a Kubernetes pod.
// The zero value of each optional field takes the default named in its comment.
type KubernetesSidecarOptions struct {
	// Image is the Envoy image reference, as resolved by the caller. Required.
	Image string
	// Config is the container environment. It must validate.
	Config ContainerConfig
	// Name is the container name; default "envoy".
	Name string
	// CPURequest is the CPU request; default "500m" (the App Mesh User Guide suggests
	// 512 ECS CPU units, half a vCPU). "-" leaves it out.
	CPURequest string
	// MemoryRequest is the memory request; default "64Mi" (the guide's minimum). "-"
	// leaves it out.
	MemoryRequest string
}

// k8sContainer is the subset of a Kubernetes core/v1 Container the sidecar uses, in the
// API's field order and spelling.
type k8sContainer struct {
	Name            string              `yaml:"name"`
	Image           string              `yaml:"image"`
	Env             []EnvVar            `yaml:"env,omitempty"`
	Ports           []k8sContainerPort  `yaml:"ports,omitempty"`
	Resources       *k8sResources       `yaml:"resources,omitempty"`
	SecurityContext *k8sSecurityContext `yaml:"securityContext,omitempty"`
}

type k8sContainerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	Protocol      string `yaml:"protocol"`
}

type k8sResources struct {
	Requests map[string]string `yaml:"requests,omitempty"`
}

type k8sSecurityContext struct {
	RunAsUser int `yaml:"runAsUser"`
}

// KubernetesSidecarYAML returns the Envoy sidecar as one Kubernetes container in YAML
// (an item for a pod spec's containers list): name, image, env from Config.Env, the
// admin port (9901 unless Config sets another) as containerPort "stats" (none when the
// admin interface is on its Unix socket), CPU and memory requests, and
// securityContext.runAsUser 1337. Invalid options or a Config that does not validate
// give an error matching [ErrInvalidSidecar].
func KubernetesSidecarYAML(opts KubernetesSidecarOptions) ([]byte, error) {
	if strings.TrimSpace(opts.Image) == "" {
		return nil, fmt.Errorf("%w: no image; resolve one with Resolver.Latest and pass its String()", ErrInvalidSidecar)
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSidecar, err)
	}
	c := k8sContainer{
		Name:            opts.Name,
		Image:           opts.Image,
		Env:             opts.Config.Env(),
		SecurityContext: &k8sSecurityContext{RunAsUser: EnvoyUID},
	}
	if c.Name == "" {
		c.Name = "envoy"
	}
	admin := DefaultAdminPort
	if opts.Config.AdminPort != nil {
		admin = *opts.Config.AdminPort
	}
	if m := opts.Config.AdminMode; m == nil || !strings.EqualFold(string(*m), string(AdminModeUDS)) {
		c.Ports = []k8sContainerPort{{Name: "stats", ContainerPort: admin, Protocol: "TCP"}}
	}
	req := map[string]string{}
	for key, v := range map[string]struct{ val, def string }{
		"cpu":    {opts.CPURequest, "500m"},
		"memory": {opts.MemoryRequest, "64Mi"},
	} {
		switch v.val {
		case "-":
		case "":
			req[key] = v.def
		default:
			req[key] = v.val
		}
	}
	if len(req) > 0 {
		c.Resources = &k8sResources{Requests: req}
	}
	return indentYAML(c)
}

var (
	k8sSubdomainRe = lazyregexp.New(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	k8sLabelRe     = lazyregexp.New(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// inputError is an error with the code invalid-input.
func inputError(msg string) error {
	return &errcode.Error{Code: errcode.InvalidInput, Msg: msg}
}

// KubernetesPullSecret returns a Secret manifest of type kubernetes.io/dockerconfigjson
// named name in namespace (empty: the manifest names none, so kubectl uses the current
// namespace), holding dockerConfigJSON (for example the bytes of dockerconfig.JSON made
// from a registry token) base64-encoded under .dockerconfigjson. Reference it from a
// pod's imagePullSecrets. Invalid arguments give an error with the code
// invalid-input.
//
// The manifest contains the registry password: write it with mode 0600 and do not log
// it. Errors never include the data.
func KubernetesPullSecret(name, namespace string, dockerConfigJSON []byte) ([]byte, error) {
	if len(name) > 253 || !k8sSubdomainRe().MatchString(name) {
		return nil, inputError("invalid secret name " + quote.Input(name) + ": use lower-case letters, digits, '-' and '.', at most 253 characters")
	}
	if namespace != "" && (len(namespace) > 63 || !k8sLabelRe().MatchString(namespace)) {
		return nil, inputError("invalid namespace " + quote.Input(namespace) + ": use lower-case letters, digits and '-', at most 63 characters")
	}
	var probe struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	if err := json.Unmarshal(dockerConfigJSON, &probe); err != nil || probe.Auths == nil {
		// Do not wrap err: a JSON syntax error can quote part of the secret input.
		return nil, inputError("secret " + quote.Input(name) + ": the docker config is not a JSON object with an \"auths\" map; build it with dockerconfig.JSON")
	}
	type metadata struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace,omitempty"`
	}
	manifest := struct {
		APIVersion string            `yaml:"apiVersion"`
		Kind       string            `yaml:"kind"`
		Metadata   metadata          `yaml:"metadata"`
		Type       string            `yaml:"type"`
		Data       map[string]string `yaml:"data"`
	}{
		APIVersion: "v1",
		Kind:       "Secret",
		Metadata:   metadata{Name: name, Namespace: namespace},
		Type:       "kubernetes.io/dockerconfigjson",
		Data:       map[string]string{".dockerconfigjson": base64.StdEncoding.EncodeToString(dockerConfigJSON)},
	}
	return indentYAML(manifest)
}
