// Package dockerconfig reads and writes docker's config.json (and the auth.json of podman
// and skopeo) the way docker login and docker logout do: it merges registry credentials
// into a file that holds other registries' secrets and keys it does not know, without
// losing any of them, and stores through the credential helper docker would read from.
//
// Writes are atomic under an advisory lock: two processes writing one file never lose an
// entry, and a failed or interrupted write leaves the file as it was. The package knows
// docker, not App Mesh: it takes any registry credential.
//
// Environment: DOCKER_CONFIG (the directory of config.json; see [DefaultPath]) and HOME.
// Credential helpers are the programs docker-credential-<name> on PATH.
package dockerconfig
