package dockerconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/gofrs/flock"
)

// ErrInvalid means an existing docker config file is not a JSON object of
// the expected shape. The file is left as it is; fix or move it, then retry.
var ErrInvalid = errors.New("invalid docker config")

// DefaultLockTimeout bounds the wait for another process's lock on a docker
// config file.
const DefaultLockTimeout = 30 * time.Second

// Note tells the caller something docker (or podman, skopeo) will do differently from
// what the written file alone suggests, or what was done instead of writing an entry.
// Notes are not errors.
type Note struct {
	// Host is the registry host the note is about.
	Host string
	// Message says what happens, in one sentence.
	Message string
}

// String returns "host: message".
func (n Note) String() string { return n.Host + ": " + n.Message }

// Options configures [WriteWith] and [RemoveWith].
// The zero value is the behaviour of [Write] and [Remove].
type Options struct {
	// SkipCredentialHelpers makes the writer put every token into "auths" even where a
	// "credHelpers" entry for the host or a "credsStore" applies. Docker then reads the
	// credential from the helper and ignores the "auths" entry; each such host gets a
	// [Note] saying so. By default (false) the writer stores the credential through the
	// helper program, as docker login does, and leaves an empty "auths" entry.
	SkipCredentialHelpers bool

	// HelperTimeout bounds each run of a credential helper program. Default
	// [DefaultHelperTimeout].
	HelperTimeout time.Duration

	// LockTimeout bounds the wait for the advisory lock on the file. Default
	// [DefaultLockTimeout].
	LockTimeout time.Duration
}

// DefaultPath returns the docker client's config file:
// $DOCKER_CONFIG/config.json when DOCKER_CONFIG is set, else ~/.docker/config.json. For
// podman and skopeo pass their auth.json path (such as
// $XDG_RUNTIME_DIR/containers/auth.json) to the writer instead; it has the same "auths"
// shape.
func DefaultPath() (string, error) {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the docker config: %w; set DOCKER_CONFIG", err)
	}
	return filepath.Join(home, ".docker", "config.json"), nil
}

// Write merges tokens into the docker config file at path the way docker
// login does, with the zero [Options]; see [WriteWith].
func Write(path string, tokens ...appmeshenvoy.Token) ([]Note, error) {
	return WriteWith(path, Options{}, tokens...)
}

// WriteWith merges tokens into the docker config.json (or containers
// auth.json) at path.
//
// For each token it sets auths[Token.Registry] to {"auth": base64("user:password")},
// replacing that host's whole entry as docker login does (stale "identitytoken" or
// "registrytoken" keys would otherwise win over the new credential). Every other key —
// other registries' entries, "credHelpers", "credsStore" and keys it does not know — is
// kept with its value byte for byte, in its original order.
//
// When a "credHelpers" entry for the host, or else a "credsStore", names a helper,
// docker reads the credential from that helper and ignores "auths". The writer then
// stores the credential by running docker-credential-<name> store (the helper gets the
// secret on stdin), leaves an empty auths entry as docker login does, and returns a
// [Note]; with [Options.SkipCredentialHelpers] it writes "auths" instead and
// the note says the entry will be ignored.
//
// The file is changed atomically under an advisory lock on path+".lock": the old file
// is read and merged while the lock is held, the result is written to a temporary file
// in the same directory, synced and renamed over the old one, and the directory is
// synced. Once the lock is held, temporary files of this config left by a writer that
// was killed before its rename (".config.json.tmp-<digits>", holding a credential) are
// removed; failing to remove one does not fail the write. A new file gets mode 0600 (its
// directory 0700); an existing one keeps its mode. A symbolic link is followed and its target is replaced. On any error (invalid
// JSON in the old file, a failing helper, a read-only directory) the old file is left
// untouched. An already expired token, or one without a registry or password, is an
// error.
//
// It is safe to call from several goroutines and processes at once.
func WriteWith(path string, opts Options, tokens ...appmeshenvoy.Token) ([]Note, error) {
	now := time.Now()
	for _, t := range tokens {
		switch {
		case dockerHost(t.Registry) == "":
			return nil, errors.New("write docker config: a token has no registry host")
		case t.Password.IsZero():
			return nil, fmt.Errorf("write docker config: the token for %s has no password", t.Registry)
		case !t.ExpiresAt.IsZero() && t.Expired(now):
			return nil, fmt.Errorf("write docker config: the token for %s expired at %s; get a new one",
				t.Registry, t.ExpiresAt.UTC().Format(time.RFC3339))
		}
	}
	var notes []Note
	err := updateConfigFile(path, opts, func(doc *configDoc) error {
		var err error
		notes, err = doc.login(tokens, opts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("write docker config %s: %w", path, err)
	}
	return notes, nil
}

// Remove logs out of hosts in the docker config file at path, with the zero
// [Options]; see [RemoveWith].
func Remove(path string, hosts ...string) ([]Note, error) {
	return RemoveWith(path, Options{}, hosts...)
}

// RemoveWith removes the "auths" entries of hosts from the docker config
// file at path and nothing else, like docker logout. Where a credential helper applies
// to a host (and SkipCredentialHelpers is false) it also runs
// docker-credential-<name> erase for it. A host without an entry gets a [Note]. A
// missing file is not an error. The file is changed as [WriteWith] changes
// it, and not rewritten when nothing changed.
func RemoveWith(path string, opts Options, hosts ...string) ([]Note, error) {
	var notes []Note
	if target, err := resolveSymlinks(path); err == nil {
		if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
			for _, h := range hosts {
				notes = append(notes, Note{Host: dockerHost(h), Message: "no docker config file, nothing to remove"})
			}
			return notes, nil
		}
	}
	err := updateConfigFile(path, opts, func(doc *configDoc) error {
		var err error
		notes, err = doc.logout(hosts, opts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("remove from docker config %s: %w", path, err)
	}
	return notes, nil
}

// JSON returns a new docker config document that holds only tokens:
// {"auths":{"<host>":{"auth":"<base64>"}}}, with hosts sorted. It is what a Kubernetes
// secret of type kubernetes.io/dockerconfigjson holds (imagePullSecrets). The result
// contains the passwords: handle it as a secret. An already expired token, or one without
// a registry or password, is an error, as in [Write].
func JSON(tokens ...appmeshenvoy.Token) ([]byte, error) {
	auths := make(map[string]map[string]string, len(tokens))
	now := time.Now()
	for _, t := range tokens {
		host := dockerHost(t.Registry)
		if host == "" {
			return nil, errors.New("docker config json: a token has no registry host")
		}
		if t.Password.IsZero() {
			return nil, fmt.Errorf("docker config json: the token for %s has no password", host)
		}
		if !t.ExpiresAt.IsZero() && t.Expired(now) {
			return nil, fmt.Errorf("docker config json: the token for %s expired at %s; get a new one",
				host, t.ExpiresAt.UTC().Format(time.RFC3339))
		}
		auths[host] = map[string]string{"auth": dockerAuth(t).Reveal()}
	}
	return json.Marshal(map[string]any{"auths": auths})
}

// dockerHost reduces a registry given as a host, "https://host" or "host/path" to the
// key docker uses in "auths".
func dockerHost(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "https://")
	s = strings.TrimPrefix(s, "http://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

// dockerAuth is [appmeshenvoy.Token.DockerAuth], with "AWS" for an empty user name.
func dockerAuth(t appmeshenvoy.Token) appmeshenvoy.Secret {
	if t.Username == "" {
		t.Username = appmeshenvoy.ECRUsername
	}
	return t.DockerAuth()
}

// Hooks for tests that simulate failures root cannot provoke.
var (
	createTemp   = os.CreateTemp
	beforeRename = func() error { return nil }
	removeOrphan = os.Remove
)

// updateConfigFile runs change on the parsed file at path under its lock and writes the
// result atomically if it differs.
func updateConfigFile(path string, opts Options, change func(*configDoc) error) error {
	target, err := resolveSymlinks(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	lock := flock.New(target + ".lock")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	locked, err := lock.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !locked {
		if err == nil {
			err = ctx.Err()
		}
		return fmt.Errorf("lock %s: %w", target+".lock", err)
	}
	defer func() { _ = lock.Unlock() }()
	removeOrphanTemps(target)

	mode := os.FileMode(0o600)
	old, err := os.ReadFile(target)
	switch {
	case errors.Is(err, os.ErrNotExist):
		old = nil
	case err != nil:
		return err
	default:
		if fi, err := os.Stat(target); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	doc, err := parseConfigDoc(old)
	if err != nil {
		return err
	}
	if err := change(doc); err != nil {
		return err
	}
	if !doc.changed {
		return nil
	}
	return writeFileAtomic(target, doc.marshal(), mode)
}

// resolveSymlinks follows symbolic links from path to the file they name, which need
// not exist yet. The directories on the way are resolved on disk (not lexically), so
// that a relative link target with ".." is taken from the directory the link really is
// in, and so that every path to one file, through any links, gives the same result
// (and so the same lock file).
func resolveSymlinks(path string) (string, error) {
	p := path
	for range 40 {
		if dir, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			p = filepath.Join(dir, filepath.Base(p))
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			return p, nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		p = t
	}
	return "", fmt.Errorf("too many symbolic links from %s", path)
}

// tempPrefix is the name prefix of the temporary files writeFileAtomic creates for
// target: ".config.json.tmp-" for config.json, followed by os.CreateTemp's random digits.
func tempPrefix(target string) string { return "." + filepath.Base(target) + ".tmp-" }

// isOrphanTemp reports whether name is a temporary file name writeFileAtomic creates
// for target: the exact prefix followed by one or more digits, nothing else.
func isOrphanTemp(target, name string) bool {
	rest, ok := strings.CutPrefix(name, tempPrefix(target))
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// removeOrphanTemps removes the temporary files of target that a writer killed between
// writing and renaming left in target's directory; they hold a credential. It must be
// called with target's lock held: a writer has a temporary file only while it holds
// the lock, so any such file found then is an orphan. Only regular files whose name
// matches the writer's pattern exactly are removed (not symbolic links, directories or
// other names). Failures are ignored: a leftover file must not stop the write, and the
// next writer tries again.
//
// The directory is listed and names compared as strings rather than globbed, because
// glob metacharacters in the directory or file name ("[", "*") would change the
// pattern.
func removeOrphanTemps(target string) {
	dir := filepath.Dir(target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && isOrphanTemp(target, e.Name()) {
			_ = removeOrphan(filepath.Join(dir, e.Name()))
		}
	}
}

// writeFileAtomic replaces target with data: temporary file in the same directory,
// fsync, rename, fsync of the directory. On error target is unchanged and the
// temporary file is removed.
func writeFileAtomic(target string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(target)
	f, err := createTemp(dir, tempPrefix(target)+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = beforeRename(); err != nil {
		return err
	}
	if err = os.Rename(tmp, target); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // best effort: some file systems cannot sync a directory
		_ = d.Close()
	}
	return nil
}

// configDoc is a docker config file: its top-level keys in order with their raw values,
// and the "auths" object taken apart the same way.
type configDoc struct {
	keys   []string
	values map[string]json.RawMessage
	// auths is the parsed "auths" object; authsSet reports whether it must be written.
	auths   *rawObject
	changed bool
}

// rawObject is a JSON object whose values are kept verbatim, in key order.
type rawObject struct {
	keys   []string
	values map[string]json.RawMessage
}

func (o *rawObject) set(k string, v json.RawMessage) {
	if _, ok := o.values[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.values[k] = v
}

func (o *rawObject) delete(k string) bool {
	if _, ok := o.values[k]; !ok {
		return false
	}
	delete(o.values, k)
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			break
		}
	}
	return true
}

// parseRawObject parses data as one JSON object, keeping each value's bytes. A
// duplicate key keeps its first position and its last value, as encoding/json reads it.
func parseRawObject(data []byte) (*rawObject, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	o := &rawObject{values: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o.set(k, v)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return o, nil
}

// parseConfigDoc parses a docker config file. Empty input is an empty config, as docker
// reads it.
func parseConfigDoc(data []byte) (*configDoc, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return &configDoc{values: map[string]json.RawMessage{}}, nil
	}
	top, err := parseRawObject(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v; the file was not changed: fix or move it and retry", ErrInvalid, err)
	}
	doc := &configDoc{keys: top.keys, values: top.values}
	if raw, ok := doc.values["auths"]; ok && string(raw) != "null" {
		doc.auths, err = parseRawObject(raw)
		if err != nil {
			return nil, fmt.Errorf(`%w: "auths" is not an object (%v); the file was not changed: fix or move it and retry`, ErrInvalid, err)
		}
	}
	if raw, ok := doc.values["credsStore"]; ok && string(raw) != "null" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf(`%w: "credsStore" is not a string; the file was not changed: fix or move it and retry`, ErrInvalid)
		}
	}
	if raw, ok := doc.values["credHelpers"]; ok && string(raw) != "null" {
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf(`%w: "credHelpers" is not an object of strings; the file was not changed: fix or move it and retry`, ErrInvalid)
		}
	}
	return doc, nil
}

// helperFor returns the credential helper docker uses for host and where it is named:
// credHelpers[host] beats credsStore.
func (d *configDoc) helperFor(host string) (name, source string) {
	if raw, ok := d.values["credHelpers"]; ok {
		var m map[string]string
		if json.Unmarshal(raw, &m) == nil && m[host] != "" {
			return m[host], "credHelpers"
		}
	}
	if raw, ok := d.values["credsStore"]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s, "credsStore"
		}
	}
	return "", ""
}

func (d *configDoc) ensureAuths() *rawObject {
	if d.auths == nil {
		d.auths = &rawObject{values: map[string]json.RawMessage{}}
	}
	return d.auths
}

// login applies tokens to d.
func (d *configDoc) login(tokens []appmeshenvoy.Token, opts Options) ([]Note, error) {
	var notes []Note
	for _, t := range tokens {
		host := dockerHost(t.Registry)
		helper, source := d.helperFor(host)
		auths := d.ensureAuths()
		d.changed = true
		if helper == "" {
			auths.set(host, authEntry(dockerAuth(t)))
			continue
		}
		if opts.SkipCredentialHelpers {
			auths.set(host, authEntry(dockerAuth(t)))
			notes = append(notes, Note{Host: host, Message: fmt.Sprintf(
				"docker reads this host's credentials from credential helper %q (%s) and ignores the auths entry written here; "+
					"remove the %s setting or write without skipping credential helpers", helper, source, source)})
			continue
		}
		if !validHelperName(helper) {
			return nil, fmt.Errorf("%w: credential helper name %q (%s) is not a plain program name", ErrInvalid, helper, source)
		}
		user := t.Username
		if user == "" {
			user = appmeshenvoy.ECRUsername
		}
		if err := helperStore(helper, host, user, t.Password, opts.HelperTimeout); err != nil {
			return nil, err
		}
		auths.set(host, json.RawMessage("{}"))
		notes = append(notes, Note{Host: host, Message: fmt.Sprintf(
			"stored in credential helper %q (%s), which docker reads for this host; the auths entry is left empty as docker login leaves it",
			helper, source)})
	}
	return notes, nil
}

// logout removes hosts from d.
func (d *configDoc) logout(hosts []string, opts Options) ([]Note, error) {
	var notes []Note
	for _, h := range hosts {
		host := dockerHost(h)
		if host == "" {
			continue
		}
		removed := d.auths != nil && d.auths.delete(host)
		if removed {
			d.changed = true
		}
		helper, _ := d.helperFor(host)
		if helper != "" && !opts.SkipCredentialHelpers {
			if !validHelperName(helper) {
				return nil, fmt.Errorf("%w: credential helper name %q is not a plain program name", ErrInvalid, helper)
			}
			if err := helperErase(helper, host, opts.HelperTimeout); err != nil {
				return nil, err
			}
			continue
		}
		if !removed {
			notes = append(notes, Note{Host: host, Message: "no auths entry to remove"})
		}
	}
	return notes, nil
}

// authEntry is {"auth":"<base64>"}, indented as docker writes it.
func authEntry(auth appmeshenvoy.Secret) json.RawMessage {
	return json.RawMessage("{\n\t\t\t\"auth\": \"" + auth.Reveal() + "\"\n\t\t}")
}

// marshal writes d as JSON: each top-level key on its own line, tab-indented as docker
// writes it, with every value that was read kept byte for byte.
func (d *configDoc) marshal() []byte {
	if d.auths != nil {
		var b bytes.Buffer
		writeObject(&b, d.auths.keys, d.auths.values, "\t")
		if _, ok := d.values["auths"]; !ok {
			d.keys = append([]string{"auths"}, d.keys...)
		}
		d.values["auths"] = b.Bytes()
	}
	var b bytes.Buffer
	writeObject(&b, d.keys, d.values, "")
	b.WriteByte('\n')
	return b.Bytes()
}

func writeObject(b *bytes.Buffer, keys []string, values map[string]json.RawMessage, indent string) {
	if len(keys) == 0 {
		b.WriteString("{}")
		return
	}
	b.WriteString("{\n")
	for i, k := range keys {
		kq, _ := json.Marshal(k)
		b.WriteString(indent + "\t")
		b.Write(kq)
		b.WriteString(": ")
		b.Write(values[k])
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(indent + "}")
}
