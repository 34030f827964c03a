package region

import (
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// ErrUnsupported is matched (with [errors.Is]) by every error for a region or partition
// the Envoy image is not published in.
var ErrUnsupported error = errcode.New(errcode.UnsupportedRegion, "unsupported region")

// UnsupportedError describes a region code (or partition ID) that is not supported, why,
// and the closest supported code when one is near.
type UnsupportedError struct {
	// Code is the input as normalized (trimmed, lower case).
	Code string
	// Kind is "region" or "partition".
	Kind string
	// Reason says why the code is not supported, when that is known.
	Reason string
	// Suggestion is the closest supported code, or "".
	Suggestion string
}

// Error implements error.
func (e *UnsupportedError) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "region"
	}
	msg := "unsupported " + kind + " " + quote.Input(e.Code)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Suggestion != "" {
		msg += "; did you mean " + e.Suggestion + "?"
	}
	return msg
}

// Is reports whether target is [ErrUnsupported].
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// ErrorCode returns "unsupported-region".
func (e *UnsupportedError) ErrorCode() errcode.Code { return errcode.UnsupportedRegion }
