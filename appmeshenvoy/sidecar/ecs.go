package sidecar

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// ECSEnvironmentJSON returns env as the environment list of an ECS container definition,
// indented: [{"name": "...", "value": "..."}], in the order given ([ContainerConfig.Env]
// sorts by name). A nil or empty env gives [].
func ECSEnvironmentJSON(env []EnvVar) ([]byte, error) {
	if env == nil {
		env = []EnvVar{}
	}
	return indentJSON(env)
}

// The ECS types below are the parts of an ECS RegisterTaskDefinition request an Envoy
// sidecar needs, with the JSON names of that API (camelCase), so that they marshal into a
// task definition file for aws ecs register-task-definition --cli-input-json. They are
// small hand-written structs so that users do not need the ECS SDK module for them.

// ECSContainerDefinition is an ECS container definition (the fields a sidecar uses).
type ECSContainerDefinition struct {
	Name              string                   `json:"name"`
	Image             string                   `json:"image,omitempty"`
	Essential         *bool                    `json:"essential,omitempty"`
	User              string                   `json:"user,omitempty"`
	CPU               int                      `json:"cpu,omitempty"`
	MemoryReservation int                      `json:"memoryReservation,omitempty"`
	Environment       []EnvVar                 `json:"environment,omitempty"`
	HealthCheck       *ECSHealthCheck          `json:"healthCheck,omitempty"`
	DependsOn         []ECSContainerDependency `json:"dependsOn,omitempty"`
}

// ECSHealthCheck is an ECS container health check. Durations are in seconds.
type ECSHealthCheck struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval,omitempty"`
	Timeout     int      `json:"timeout,omitempty"`
	Retries     int      `json:"retries,omitempty"`
	StartPeriod int      `json:"startPeriod,omitempty"`
}

// ECSContainerDependency is one entry of a container definition's dependsOn.
type ECSContainerDependency struct {
	ContainerName string `json:"containerName"`
	Condition     string `json:"condition"`
}

// ECSProxyConfiguration is a task definition's proxyConfiguration.
type ECSProxyConfiguration struct {
	Type          string        `json:"type"`
	ContainerName string        `json:"containerName"`
	Properties    []ECSProperty `json:"properties"`
}

// ECSProperty is a name/value pair of [ECSProxyConfiguration].
type ECSProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ECSTaskDefinition is the part of a task definition that [ECSSidecar.TaskDefinition]
// fills in.
type ECSTaskDefinition struct {
	ContainerDefinitions []ECSContainerDefinition `json:"containerDefinitions"`
	ProxyConfiguration   *ECSProxyConfiguration   `json:"proxyConfiguration,omitempty"`
}

// JSON returns t indented, as for --cli-input-json.
func (t ECSTaskDefinition) JSON() ([]byte, error) { return indentJSON(t) }

// ECSHealthCheckCommand returns the ECS health check of the Envoy container that the App
// Mesh User Guide shows (https://docs.aws.amazon.com/app-mesh/latest/userguide/envoy.html):
// it asks the admin interface on adminPort (0 means the default 9901) whether the
// server is LIVE. Each call returns a new slice. See [ECSHealthCheckCaveat].
func ECSHealthCheckCommand(adminPort int) []string {
	if adminPort == 0 {
		adminPort = DefaultAdminPort
	}
	return []string{"CMD-SHELL", "curl -s http://localhost:" + strconv.Itoa(adminPort) + "/server_info | grep state | grep -q LIVE"}
}

// ecsHealthCheckCommandUDS is [ECSHealthCheckCommand] for an admin interface on its Unix
// socket (ENVOY_ADMIN_MODE=uds).
func ecsHealthCheckCommandUDS() []string {
	return []string{"CMD-SHELL", "curl -s --unix-socket " + envoyAdminSocket + " http://localhost/server_info | grep state | grep -q LIVE"}
}

// ECSHealthCheckCaveat is returned with every sidecar whose health check runs in a shell.
const ECSHealthCheckCaveat = "the health check runs curl in a shell (CMD-SHELL), as the App Mesh User Guide shows; images from v1.22.0.0 are described as distroless, and whether they still contain a shell and curl is not verified here: test the check with your image, or drop it and rely on the proxy's own readiness"

// Sidecar sizing hints from the App Mesh User Guide.
const (
	// ECSEnvoyCPU is the suggested CPU units (of 1024 per vCPU) for the Envoy container.
	ECSEnvoyCPU = 512
	// ECSEnvoyMinMemoryMiB is the suggested minimum memory reservation in MiB.
	ECSEnvoyMinMemoryMiB = 64
)

// ECSSidecarOptions describe an Envoy sidecar for an ECS task. The zero value of each
// optional field takes the default named in its comment.
type ECSSidecarOptions struct {
	// Image is the Envoy image reference, as resolved by the caller (for example
	// Resolver.Latest(...).String() or a pinned digest). Required.
	Image string
	// Config is the container environment. It must validate.
	Config ContainerConfig
	// AppPorts are the application's ports that the proxy intercepts (proxy
	// configuration property AppPorts). Required: at least one, each 1–65535.
	AppPorts []int
	// ContainerName is the sidecar's name; default "envoy".
	ContainerName string
	// CPU is the CPU units; default [ECSEnvoyCPU].
	CPU int
	// MemoryReservation is the soft memory limit in MiB; default [ECSEnvoyMinMemoryMiB].
	// Values below it give a caveat.
	MemoryReservation int
	// HealthCheck, when non-nil, replaces the default health check (command
	// [ECSHealthCheckCommand] for the configured admin port, or the same request on the
	// admin Unix socket when Config.AdminMode is uds; interval 5 s, timeout 2 s, 3
	// retries, start period 10 s).
	HealthCheck *ECSHealthCheck
	// NoHealthCheck leaves the health check out; the application then depends on the
	// sidecar being START-ed instead of HEALTHY.
	NoHealthCheck bool
}

// ECSSidecar is a complete Envoy sidecar for an ECS task: the container definition, the
// task's proxy configuration and the dependsOn entry of the application container. It
// is a plain value, safe for concurrent reads.
type ECSSidecar struct {
	// Container is the Envoy container definition.
	Container ECSContainerDefinition
	// ProxyConfiguration is the task's proxyConfiguration (type APPMESH).
	ProxyConfiguration ECSProxyConfiguration
	// AppDependsOn goes into the application container's dependsOn: the app starts once
	// Envoy is HEALTHY.
	AppDependsOn []ECSContainerDependency
	// Caveats are things to check by hand (see [ECSHealthCheckCaveat]).
	Caveats []string
}

// ErrInvalidSidecar is matched (with errors.Is) by the errors of [NewECSSidecar] and
// [KubernetesSidecarYAML] for missing or invalid options. Its code is invalid-input.
var ErrInvalidSidecar = errcode.New(errcode.InvalidInput, "invalid envoy sidecar options")

// NewECSSidecar builds the Envoy sidecar of an ECS task: container definition (user
// 1337, essential, environment from Config.Env, health check, CPU and memory hints), the
// APPMESH proxy configuration (IgnoredUID 1337, ProxyIngressPort 15000, ProxyEgressPort
// 15001, AppPorts, EgressIgnoredIPs 169.254.170.2,169.254.169.254) and the application's
// dependsOn. Invalid options or a Config that does not validate give an error matching
// [ErrInvalidSidecar] (and [ErrInvalidConfig] for the Config).
func NewECSSidecar(opts ECSSidecarOptions) (ECSSidecar, error) {
	if strings.TrimSpace(opts.Image) == "" {
		return ECSSidecar{}, fmt.Errorf("%w: no image; resolve one with Resolver.Latest and pass its String()", ErrInvalidSidecar)
	}
	if len(opts.AppPorts) == 0 {
		return ECSSidecar{}, fmt.Errorf("%w: no application ports; set AppPorts to the ports the proxy intercepts", ErrInvalidSidecar)
	}
	ports := make([]string, 0, len(opts.AppPorts))
	for _, p := range opts.AppPorts {
		if p < 1 || p > 65535 {
			return ECSSidecar{}, fmt.Errorf("%w: application port %d is outside 1–65535", ErrInvalidSidecar, p)
		}
		ports = append(ports, strconv.Itoa(p))
	}
	cfg := opts.Config
	cfg.ListenerPorts = append(append([]int(nil), cfg.ListenerPorts...), opts.AppPorts...)
	if err := cfg.Validate(); err != nil {
		return ECSSidecar{}, fmt.Errorf("%w: %w", ErrInvalidSidecar, err)
	}
	name := opts.ContainerName
	if name == "" {
		name = "envoy"
	}
	s := ECSSidecar{}
	essential := true
	s.Container = ECSContainerDefinition{
		Name:              name,
		Image:             opts.Image,
		Essential:         &essential,
		User:              strconv.Itoa(EnvoyUID),
		CPU:               opts.CPU,
		MemoryReservation: opts.MemoryReservation,
		Environment:       cfg.Env(),
	}
	if s.Container.CPU == 0 {
		s.Container.CPU = ECSEnvoyCPU
	}
	if s.Container.MemoryReservation == 0 {
		s.Container.MemoryReservation = ECSEnvoyMinMemoryMiB
	}
	if s.Container.MemoryReservation < ECSEnvoyMinMemoryMiB {
		s.Caveats = append(s.Caveats, fmt.Sprintf("memory reservation %d MiB is below the %d MiB the App Mesh User Guide suggests for Envoy", s.Container.MemoryReservation, ECSEnvoyMinMemoryMiB))
	}
	condition := "START"
	if !opts.NoHealthCheck {
		hc := ECSHealthCheck{Command: ECSHealthCheckCommand(0), Interval: 5, Timeout: 2, Retries: 3, StartPeriod: 10}
		switch {
		case cfg.AdminMode != nil && strings.EqualFold(string(*cfg.AdminMode), string(AdminModeUDS)):
			hc.Command = ecsHealthCheckCommandUDS()
		case cfg.AdminPort != nil:
			hc.Command = ECSHealthCheckCommand(*cfg.AdminPort)
		}
		if opts.HealthCheck != nil {
			hc = *opts.HealthCheck
		}
		hc.Command = append([]string(nil), hc.Command...)
		s.Container.HealthCheck = &hc
		condition = "HEALTHY"
		if len(hc.Command) > 0 && hc.Command[0] == "CMD-SHELL" {
			s.Caveats = append(s.Caveats, ECSHealthCheckCaveat)
		}
	}
	s.ProxyConfiguration = ECSProxyConfiguration{
		Type:          "APPMESH",
		ContainerName: name,
		Properties: []ECSProperty{
			{Name: "AppPorts", Value: strings.Join(ports, ",")},
			{Name: "EgressIgnoredIPs", Value: "169.254.170.2,169.254.169.254"},
			{Name: "IgnoredUID", Value: strconv.Itoa(EnvoyUID)},
			{Name: "ProxyEgressPort", Value: strconv.Itoa(DefaultProxyEgressPort)},
			{Name: "ProxyIngressPort", Value: strconv.Itoa(DefaultProxyIngressPort)},
		},
	}
	s.AppDependsOn = []ECSContainerDependency{{ContainerName: name, Condition: condition}}
	return s, nil
}

// TaskDefinition returns the container definitions and proxy configuration of a task
// with app and the sidecar: app gets the sidecar's dependsOn entry (added to any it
// has), and comes first.
func (s ECSSidecar) TaskDefinition(app ECSContainerDefinition) ECSTaskDefinition {
	app.DependsOn = append(append([]ECSContainerDependency(nil), app.DependsOn...), s.AppDependsOn...)
	pc := s.ProxyConfiguration
	return ECSTaskDefinition{
		ContainerDefinitions: []ECSContainerDefinition{app, s.Container},
		ProxyConfiguration:   &pc,
	}
}
