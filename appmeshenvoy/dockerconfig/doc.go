// Package dockerconfig reads and writes docker's config.json (and the auth.json of podman
// and skopeo) the way docker login and docker logout do: it merges registry credentials
// into a file that holds other registries' secrets and keys it does not know, without
// losing any of them, and stores through the credential helper docker would read from.
// It knows docker, not App Mesh: it takes any registry credential.
//
// [Write] and [Remove] take a context first: they may wait for another process's lock on
// the file and for a credential helper program. When the context ends they stop waiting,
// kill a running helper and return, leaving the file as it was.
//
// Writes are atomic under an advisory lock: two processes writing one file never lose an
// entry, and a failed or interrupted write leaves the file as it was. A symbolic link is
// followed to the file it names. Only a regular file (or a path where none exists yet) is
// read or written: a directory, named pipe, socket or device node — or a link to one — is
// refused with [ErrNotRegularFile] before it is opened, and so is such a lock file. An
// existing file that docker could not read is refused with [ErrInvalid].
//
// The lock is taken on <file>.lock (config.json.lock for config.json) in the file's
// directory. On Linux, macOS and the BSDs the writer removes that file before it
// releases the lock, so that nothing is left beside config.json that docker would not
// leave. Removing a lock file that others may be waiting on is safe here because every
// writer of this package checks, once it holds the lock, that the path still names the
// file it locked, and starts over otherwise (so a waiter never keeps a lock on the
// removed file while another process locks the new one). A writer of an earlier version
// of this module does not check: do not run one against the same file at the same time.
// Elsewhere (Windows, Solaris, AIX) the lock file stays: on Windows a file that another
// process has open cannot be removed.
//
// Credential helpers are the programs docker-credential-<name> on PATH, run as docker
// runs them (client/client.go in github.com/docker/docker-credential-helpers). A helper
// run is bounded by the context and by [Options.HelperTimeout]. On Unix the helper runs
// in a process group of its own, and when its time is up the whole group is killed, so
// that programs it started end with it; elsewhere only the helper itself is killed.
//
// Environment: DOCKER_CONFIG (the directory of config.json; see [DefaultPath]), HOME, and
// PATH (to find credential helpers).
package dockerconfig
