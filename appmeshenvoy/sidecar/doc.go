// Package sidecar is the App Mesh Envoy container: its environment, typed and checked
// the way the image's agent reads it, and the container around it written out for ECS
// task definitions, Kubernetes pod specs, docker and dotenv files.
//
// [ContainerConfig] has a typed field for every variable the agent reads;
// [ContainerConfig.Set] reads a NAME=value the way the agent does,
// [ContainerConfig.Validate] reports every problem at once, and [ContainerConfig.Env]
// returns only what differs from the image's defaults, plus the identity. [ParseEnv]
// and [ParseEnvFile] read an existing environment and lint it. Each [Finding] carries
// one of three verdicts: Envoy will not start ([SeverityError]), a value is not used as
// written, for example silently replaced by the one in Finding.EffectiveValue
// ([SeverityWarning]), or accepted with advice ([SeverityInfo]).
//
// The agent reads the environment with two parsers. The bootstrap generator trims
// values, treats empty ones as unset and stops on a malformed number or boolean; the
// agent's own settings (timers, ports, modes, the log level) are not trimmed, and a
// value that does not parse or is out of range silently becomes the default. The table
// in variables.go says which parser reads which variable, with the upstream file for
// each.
//
// [NewECSSidecar] and [KubernetesSidecarYAML] build the whole container; [AccessLog] is
// the virtual node's access-log setting (access logs are not an environment variable).
//
// Sources: the App Mesh User Guide, "Envoy configuration variables"
// (https://docs.aws.amazon.com/app-mesh/latest/userguide/envoy-config.html), and the
// agent's code in https://github.com/aws/amazon-ecs-service-connect-agent:
// agent/config/agent_config.go, agent/envoy_bootstrap/env/env.go and
// agent/envoy_bootstrap/envoy_bootstrap.go.
package sidecar
