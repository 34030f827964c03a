package sidecar_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func TestAccessLogJSON(t *testing.T) {
	tests := map[string]sidecar.AccessLog{
		"accesslog-stdout.json": {Path: "/dev/stdout"},
		"accesslog-text.json": {Path: "/var/log/envoy/access.log", Format: &sidecar.AccessLogFormat{
			Text: "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%\" %RESPONSE_CODE%\n",
		}},
		"accesslog-json.json": {Path: "/dev/stdout", Format: &sidecar.AccessLogFormat{
			JSON: []sidecar.AccessLogJSONField{{Key: "start", Value: "%START_TIME%"}, {Key: "status", Value: "%RESPONSE_CODE%"}},
		}},
	}
	for name, a := range tests {
		t.Run(name, func(t *testing.T) {
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(a, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, append(b, '\n'))
			var back struct {
				Logging struct {
					AccessLog struct {
						File struct{ Path string }
					} `json:"accessLog"`
				}
			}
			if err := json.Unmarshal(b, &back); err != nil || back.Logging.AccessLog.File.Path != a.Path {
				t.Errorf("API shape: %v %+v", err, back)
			}
		})
	}
}

func TestAccessLogValidate(t *testing.T) {
	bad := map[string]sidecar.AccessLog{
		"empty path":     {},
		"relative path":  {Path: "logs/access.log"},
		"newline":        {Path: "/dev/stdout\n"},
		"both formats":   {Path: "/dev/stdout", Format: &sidecar.AccessLogFormat{Text: "x", JSON: []sidecar.AccessLogJSONField{{Key: "a", Value: "b"}}}},
		"empty format":   {Path: "/dev/stdout", Format: &sidecar.AccessLogFormat{}},
		"empty json key": {Path: "/dev/stdout", Format: &sidecar.AccessLogFormat{JSON: []sidecar.AccessLogJSONField{{Key: "", Value: "b"}}}},
		"repeated key":   {Path: "/dev/stdout", Format: &sidecar.AccessLogFormat{JSON: []sidecar.AccessLogJSONField{{Key: "a", Value: "b"}, {Key: "a", Value: "c"}}}},
	}
	for name, a := range bad {
		t.Run(name, func(t *testing.T) {
			if err := a.Validate(); !errors.Is(err, sidecar.ErrInvalidAccessLog) {
				t.Errorf("Validate() = %v, want ErrInvalidAccessLog", err)
			}
		})
	}
}

func TestAccessLogOnlyAdvice(t *testing.T) {
	tests := []struct {
		name     string
		image    *appmeshenvoy.Version
		level    sidecar.LogLevel
		severity sidecar.Severity
	}{
		{"unknown image", nil, sidecar.LogOff, sidecar.SeverityWarning},
		{"v1.29.4.0", version(t, "v1.29.4.0-prod"), sidecar.LogOff, sidecar.SeverityInfo},
		{"v1.34.13.0", version(t, "v1.34.13.0-prod"), sidecar.LogOff, sidecar.SeverityInfo},
		{"v1.29.3.0", version(t, "v1.29.3.0-prod"), sidecar.LogError, sidecar.SeverityWarning},
		{"v1.22.2.0", version(t, "v1.22.2.0-prod"), sidecar.LogError, sidecar.SeverityWarning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level, f := sidecar.AccessLogOnlyAdvice(tt.image)
			if level != tt.level || f.Severity != tt.severity || f.Variable != "ENVOY_LOG_LEVEL" {
				t.Errorf("AccessLogOnlyAdvice = %s, %v; want %s with severity %s", level, f, tt.level, tt.severity)
			}
			// The advice must itself be accepted by that image without a version finding.
			c := sidecar.ContainerConfig{Resource: node, LogLevel: &level, ImageVersion: tt.image}
			if tt.image != nil {
				if err := c.Validate(); err != nil {
					t.Errorf("advised level fails Validate: %v", err)
				}
			}
		})
	}
}
