package sidecar

import (
	"fmt"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// AccessLog is the access log of a virtual node or virtual gateway: a file path and an
// optional format. Access logs are set on the App Mesh resource (its logging block), not
// by an environment variable. The zero value has no path and does not validate.
type AccessLog struct {
	// Path is where Envoy writes the access log: /dev/stdout (to ship it with the
	// container's logs) or an absolute file path.
	Path string
	// Format is the log line format; nil means Envoy's default format.
	Format *AccessLogFormat
}

// AccessLogFormat is the format of access log lines: exactly one of Text (an Envoy
// format string) or JSON (key/value pairs whose values are Envoy format strings).
type AccessLogFormat struct {
	Text string
	JSON []AccessLogJSONField
}

// AccessLogJSONField is one key of a JSON access log format.
type AccessLogJSONField struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ErrInvalidAccessLog is matched (with errors.Is) by the errors of [AccessLog.Validate].
// Its code is invalid-input.
var ErrInvalidAccessLog = errcode.New(errcode.InvalidInput, "invalid access log")

// Validate checks that the path is /dev/stdout or absolute, and that a format has
// exactly one of text and json, with non-empty, unique keys.
func (a AccessLog) Validate() error {
	var problems []string
	switch {
	case a.Path == "":
		problems = append(problems, "no path; use /dev/stdout or an absolute file path")
	case !strings.HasPrefix(a.Path, "/"):
		problems = append(problems, "path "+quote.Input(a.Path)+" is not absolute; use /dev/stdout or an absolute file path")
	case strings.ContainsAny(a.Path, "\x00\n\r"):
		problems = append(problems, "path contains a NUL byte or a line break")
	}
	if f := a.Format; f != nil {
		switch {
		case f.Text != "" && len(f.JSON) > 0:
			problems = append(problems, "format has both text and json; choose one")
		case f.Text == "" && len(f.JSON) == 0:
			problems = append(problems, "format is empty; set text or json, or leave Format nil for Envoy's default")
		}
		seen := map[string]bool{}
		for i, kv := range f.JSON {
			switch {
			case kv.Key == "":
				problems = append(problems, fmt.Sprintf("json field %d has an empty key", i+1))
			case seen[kv.Key]:
				problems = append(problems, "json key "+quote.Input(kv.Key)+" is repeated")
			}
			seen[kv.Key] = true
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidAccessLog, strings.Join(problems, "; "))
}

// accessLogSpec is the App Mesh API shape of a resource's logging block.
type accessLogSpec struct {
	Logging struct {
		AccessLog struct {
			File struct {
				Path   string `json:"path"`
				Format *struct {
					Text string               `json:"text,omitempty"`
					JSON []AccessLogJSONField `json:"json,omitempty"`
				} `json:"format,omitempty"`
			} `json:"file"`
		} `json:"accessLog"`
	} `json:"logging"`
}

// MarshalJSON returns the App Mesh API form of the resource's logging block, e.g.
// {"logging":{"accessLog":{"file":{"path":"/dev/stdout"}}}}, with
// "format":{"text":"..."} or "format":{"json":[{"key":"...","value":"..."}]} when set.
// It does not validate; call [AccessLog.Validate].
func (a AccessLog) MarshalJSON() ([]byte, error) {
	var s accessLogSpec
	s.Logging.AccessLog.File.Path = a.Path
	if a.Format != nil {
		s.Logging.AccessLog.File.Format = &struct {
			Text string               `json:"text,omitempty"`
			JSON []AccessLogJSONField `json:"json,omitempty"`
		}{Text: a.Format.Text, JSON: a.Format.JSON}
	}
	b, err := indentJSON(s)
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(string(b), "\n")), nil
}

// AccessLogOnlyAdvice says how to make the container's stdout carry only the access log
// (Path /dev/stdout): set ENVOY_LOG_LEVEL=off, which images from v1.29.4.0 support.
// Older images turn off (and warning and critical) into info, so for them it returns
// [LogError], the quietest level they honour, with a warning finding to upgrade. With a
// nil image version it returns [LogOff] and a warning that it needs v1.29.4.0.
func AccessLogOnlyAdvice(image *appmeshenvoy.Version) (LogLevel, Finding) {
	const v = "ENVOY_LOG_LEVEL"
	switch {
	case image == nil:
		return LogOff, Finding{Severity: SeverityWarning, Kind: FindingVersion, Variable: v,
			Message: fmt.Sprintf("set off so that stdout carries only the access log; this needs image %s or newer (older images turn off into info, so there use error)", sinceLogLevels)}
	case image.AtLeast(sinceLogLevels):
		return LogOff, Finding{Severity: SeverityInfo, Kind: FindingDefault, Variable: v,
			Message: fmt.Sprintf("set off so that stdout carries only the access log (image %s supports it)", image)}
	default:
		return LogError, Finding{Severity: SeverityWarning, Kind: FindingVersion, Variable: v,
			Message: fmt.Sprintf("image %s turns off into info, so Envoy's own logs stay on stdout; use error to keep them few, or upgrade to %s or newer and use off", image, sinceLogLevels)}
	}
}
