package dockerconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// Note tells the caller something docker (or podman, skopeo) will do differently from
// what the written file alone suggests, what was done instead of writing an entry, or
// what the caller should fix. Notes are not errors.
type Note struct {
	// Host is the registry host the note is about.
	Host string
	// Message says what happens, in one sentence.
	Message string
}

// String returns "host: message".
func (n Note) String() string { return n.Host + ": " + n.Message }

// Write merges tokens into the docker config.json (or containers auth.json) at path, the
// way docker login does, and returns notes for the caller.
//
// For each token it sets auths[host] to {"auth": base64("user:password")}, where host is
// Token.Registry without a scheme or path and user is Token.Username ("AWS" when empty),
// replacing that host's whole entry as docker login does (stale "identitytoken" or
// "registrytoken" keys would otherwise win over the new credential). Every other key —
// other registries' entries, "credHelpers", "credsStore" and keys it does not know — is
// kept with its value byte for byte, in its original order.
//
// When a "credHelpers" entry for the host, or else a "credsStore", names a helper,
// docker reads the credential from that helper and ignores "auths". Write then stores
// the credential by running docker-credential-<name> store (the helper gets the secret
// on stdin), leaves an empty auths entry as docker login does, and returns a [Note]; with
// [Options.SkipCredentialHelpers] it writes "auths" instead and the note says the entry
// will be ignored. When the credential is written into an existing file that group or
// others may read, a note says so and how to fix it (the file keeps its mode).
//
// The file is changed atomically under an advisory lock (see the package documentation):
// the old file is read and merged while the lock is held, the result is written to a
// temporary file in the same directory, synced and renamed over the old one, and the
// directory is synced. Once the lock is held, temporary files of this config left by a
// writer that was killed before its rename (".config.json.tmp-<digits>", holding a
// credential) are removed; failing to remove one does not fail the write. A new file
// gets mode 0600 (its directory 0700). A symbolic link is followed and its target is
// replaced.
//
// On any error the file is left as it was: an existing file that docker could not read
// ([ErrInvalid]), a path that is not a regular file ([ErrNotRegularFile]), a lock held
// past [Options.LockTimeout] ([ErrLocked]), a failing helper ([*CredentialHelperError]),
// a read-only directory, or ctx ending before the rename. No tokens, or a token without
// a registry host or password, or already expired, is an [ErrInvalidToken] error.
//
// It is safe to call from several goroutines and processes at once.
func Write(ctx context.Context, path string, tokens []appmeshenvoy.Token, optFns ...func(*Options)) ([]Note, error) {
	const op = "write docker config"
	o := newOptions(optFns)
	if err := checkTokens(op, tokens, time.Now()); err != nil {
		return nil, err
	}
	notes, err := update(ctx, path, o, func(doc *configDoc) ([]Note, error) {
		return doc.login(ctx, tokens, o)
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	return notes, nil
}

// Remove removes the "auths" entries of hosts (each a host, "https://host" or
// "host/path") from the docker config file at path and nothing else, like docker
// logout. Where a credential helper applies to a host (and
// [Options.SkipCredentialHelpers] is false) it also runs docker-credential-<name> erase
// for it. A host without an entry gets a [Note]. A missing file is not an error. The
// file is changed as [Write] changes it, with the same errors, and not rewritten when
// nothing changed. No hosts, or an empty host, is an [ErrInvalidToken] error.
//
// It is safe to call from several goroutines and processes at once.
func Remove(ctx context.Context, path string, hosts []string, optFns ...func(*Options)) ([]Note, error) {
	const op = "remove from docker config"
	o := newOptions(optFns)
	if len(hosts) == 0 {
		return nil, errcode.Wrap(ErrInvalidToken, op+": no hosts; pass at least one", nil)
	}
	keys := make([]string, len(hosts))
	for i, h := range hosts {
		keys[i] = dockerHost(h)
		if err := checkHost(op, h, keys[i]); err != nil {
			return nil, err
		}
	}
	if target, err := resolveSymlinks(path); err == nil {
		if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
			notes := make([]Note, len(keys))
			for i, h := range keys {
				notes[i] = Note{Host: h, Message: "no docker config file, nothing to remove"}
			}
			return notes, nil
		}
	}
	notes, err := update(ctx, path, o, func(doc *configDoc) ([]Note, error) {
		return doc.logout(ctx, keys, o)
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	return notes, nil
}

// update runs change on the parsed file at path under its lock and writes the result
// atomically if change changed it.
func update(ctx context.Context, path string, o Options, change func(*configDoc) ([]Note, error)) ([]Note, error) {
	target, err := resolveSymlinks(path)
	if err != nil {
		return nil, err
	}
	if _, err := checkRegular(target); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return nil, fileError(err.Error(), err)
	}
	lock, err := acquireLock(ctx, lockPath(target), o.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	removeOrphanTemps(target, o.removeOrphan)

	old, fi, err := readRegular(target)
	if err != nil {
		return nil, err
	}
	doc, err := parseConfigDoc(old)
	if err != nil {
		return nil, err
	}
	notes, err := change(doc)
	if err != nil {
		return nil, err
	}
	if !doc.changed {
		return notes, nil
	}
	mode := fs.FileMode(0o600)
	if fi != nil {
		mode = fi.Mode().Perm()
	}
	if mode&0o044 != 0 {
		for _, h := range doc.inFile {
			notes = append(notes, Note{Host: h, Message: fmt.Sprintf(
				"the docker config is readable by group or others (mode %04o) and now holds this registry's credential; run: chmod 600 %s",
				mode, path)})
		}
	}
	if err := writeFileAtomic(ctx, target, doc.marshal(), mode, o); err != nil {
		return nil, err
	}
	return notes, nil
}
