// Package sidecar is the App Mesh Envoy container: its environment, typed and checked the
// way the image's agent reads it, and that environment (with the container around it)
// written out for ECS task definitions, Kubernetes pod specs, docker and dotenv files.
//
// [ContainerConfig] holds every variable the agent reads as a typed field;
// [ContainerConfig.Validate] reports every problem at once and [ContainerConfig.Env]
// returns only what differs from the image's defaults, plus the identity. [ParseEnv]
// reads an existing environment (os.Environ form, or a dotenv file with
// [ParseEnvFile]) and lints it. [NewECSSidecar] and [KubernetesSidecarYAML] build the
// whole container; [AccessLog] is the virtual node's access-log setting (access logs are
// not an environment variable).
//
// Sources: the App Mesh User Guide, "Envoy configuration variables"
// (https://docs.aws.amazon.com/app-mesh/latest/userguide/envoy-config.html), and the
// agent's own code, aws/amazon-ecs-service-connect-agent, agent/config and
// agent/envoy_bootstrap.
package sidecar
