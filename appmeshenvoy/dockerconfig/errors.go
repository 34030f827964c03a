package dockerconfig

import (
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// Sentinel errors, for [errors.Is]. Every error of this package also carries a code
// (appmeshenvoy.CodeOf): those below carry the code named on each; a failing credential
// helper gives a [*CredentialHelperError] (code "credential-helper"); a file that cannot
// be read, locked or written gives code "file-error" and wraps the cause (such as
// fs.ErrPermission); a context that ended gives "canceled" or "timeout".
var (
	// ErrInvalid means an existing file is not a docker config that docker could read:
	// not one JSON object, an "auths" entry that is not an object of strings, an "auth"
	// value that is not base64 of "user:password", a "credsStore" that is not a string,
	// and the like. The file is left as it is; fix or move it, then retry. Code
	// "invalid-docker-config".
	ErrInvalid error = errcode.New(errcode.InvalidDockerConfig, "invalid docker config")

	// ErrNotRegularFile means the path (or the lock file beside it) names something
	// other than a regular file: a directory, a named pipe, a socket, a device node, or
	// a symbolic link to one of those. It is refused before it is opened and left as it
	// is. Code "file-error".
	ErrNotRegularFile error = errcode.New(errcode.FileError, "not a regular file")

	// ErrLocked means another process held the file's lock for longer than
	// [Options.LockTimeout]. Code "file-error".
	ErrLocked error = errcode.New(errcode.FileError, "docker config locked by another process")

	// ErrInvalidToken means a token (or host) given to [Write], [Remove] or [JSON] cannot
	// be written: no tokens or hosts at all, no registry host, no password, an expired
	// token. Code "invalid-input".
	ErrInvalidToken error = errcode.New(errcode.InvalidInput, "invalid registry credential")
)

// fileError gives err (from the os package) the code "file-error", keeping it for
// errors.Is (fs.ErrPermission, syscall.EROFS). msg is the whole message.
func fileError(msg string, err error) error {
	return &errcode.Error{Code: errcode.FileError, Msg: msg, Cause: err}
}
