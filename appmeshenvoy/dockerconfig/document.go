package dockerconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/cli/cli/config/configfile"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// configDoc is a docker config file: its top-level keys in order with their raw values,
// and the "auths" object taken apart the same way.
type configDoc struct {
	keys   []string
	values map[string]json.RawMessage
	// auths is the parsed "auths" object, nil when the file has none.
	auths *rawObject
	// changed reports whether the file must be written.
	changed bool
	// inFile lists the hosts whose credential was written into "auths".
	inFile []string
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

// docKeys are the top-level keys the writer reads or changes, as docker spells them.
var docKeys = [...]string{"auths", "credsStore", "credHelpers"}

// invalid is an [ErrInvalid] error that says why; why is sanitized.
func invalid(why string) error {
	return fmt.Errorf("%w: %s; the file was not changed: fix or move it and retry", ErrInvalid, quote.Text(why, 300))
}

// parseConfigDoc parses a docker config file. Empty input is an empty config, as docker
// reads it.
//
// Besides being one JSON object, the keys the writer relies on must be what docker can
// read: docker loads the whole file, and an "auths" entry it cannot read (an entry that
// is not an object of strings, an "auth" that is not base64 of "user:password") makes it
// refuse the file, so a credential written beside it would not be used. Those keys are
// checked with docker's own reader (LoadFromReader in docker/cli
// cli/config/configfile/file.go). Other keys are not checked: they are kept as they are,
// whatever a later docker version makes of them.
func parseConfigDoc(data []byte) (*configDoc, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return &configDoc{values: map[string]json.RawMessage{}}, nil
	}
	top, err := parseRawObject(data)
	if err != nil {
		return nil, invalid(err.Error())
	}
	doc := &configDoc{keys: top.keys, values: top.values}
	relied := map[string]json.RawMessage{}
	for _, k := range top.keys {
		for _, want := range docKeys {
			if strings.EqualFold(k, want) && k != want {
				// encoding/json, and so docker, reads "Auths" as "auths".
				return nil, invalid(fmt.Sprintf("key %s is read by docker as %q; rename it", quote.Input(k), want))
			}
		}
	}
	for _, k := range docKeys {
		if v, ok := top.values[k]; ok {
			relied[k] = v
		}
	}
	if raw, ok := doc.values["auths"]; ok && string(raw) != "null" {
		if doc.auths, err = parseRawObject(raw); err != nil {
			return nil, invalid(`"auths" is not an object (` + err.Error() + ")")
		}
	}
	check, err := json.Marshal(relied)
	if err != nil {
		return nil, invalid(err.Error())
	}
	if err := configfile.New("").LoadFromReader(bytes.NewReader(check)); err != nil {
		return nil, invalid("docker cannot read it: " + err.Error())
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

// login applies tokens to d, storing through credential helpers as o says.
func (d *configDoc) login(ctx context.Context, tokens []appmeshenvoy.Token, o Options) ([]Note, error) {
	var notes []Note
	for _, t := range tokens {
		host := dockerHost(t.Registry)
		helper, source := d.helperFor(host)
		auths := d.ensureAuths()
		d.changed = true
		if helper == "" {
			auths.set(host, authEntry(authValue(t)))
			d.inFile = append(d.inFile, host)
			continue
		}
		if o.SkipCredentialHelpers {
			auths.set(host, authEntry(authValue(t)))
			d.inFile = append(d.inFile, host)
			notes = append(notes, Note{Host: host, Message: fmt.Sprintf(
				"docker reads this host's credentials from credential helper %s (%s) and ignores the auths entry written here; "+
					"remove the %s setting or write without skipping credential helpers", quote.Input(helper), source, source)})
			continue
		}
		if !validHelperName(helper) {
			return nil, fmt.Errorf("%w: credential helper name %s (%s) is not a plain program name", ErrInvalid, quote.Input(helper), source)
		}
		if err := helperStore(ctx, helper, host, username(t), t.Password, o.HelperTimeout); err != nil {
			return nil, err
		}
		auths.set(host, json.RawMessage("{}"))
		notes = append(notes, Note{Host: host, Message: fmt.Sprintf(
			"stored in credential helper %s (%s), which docker reads for this host; the auths entry is left empty as docker login leaves it",
			quote.Input(helper), source)})
	}
	return notes, nil
}

// logout removes hosts from d, erasing through credential helpers as o says.
func (d *configDoc) logout(ctx context.Context, hosts []string, o Options) ([]Note, error) {
	var notes []Note
	for _, host := range hosts {
		removed := d.auths != nil && d.auths.delete(host)
		if removed {
			d.changed = true
		}
		helper, source := d.helperFor(host)
		if helper != "" && !o.SkipCredentialHelpers {
			if !validHelperName(helper) {
				return nil, fmt.Errorf("%w: credential helper name %s (%s) is not a plain program name", ErrInvalid, quote.Input(helper), source)
			}
			if err := helperErase(ctx, helper, host, o.HelperTimeout); err != nil {
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
