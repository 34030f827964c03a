package errcode

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
)

func TestOf(t *testing.T) {
	notFound := New(ParameterNotFound, "parameter not found")
	cause := errors.New("sdk error")
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, ""},
		{"plain", errors.New("x"), Unknown},
		{"sentinel", notFound, ParameterNotFound},
		{"wrapped sentinel", fmt.Errorf("resolve us-west-2: %w", notFound), ParameterNotFound},
		{"Error with kind", Wrap(notFound, "gone", cause), ParameterNotFound},
		{"Error with code", &Error{Code: ServerError, Msg: "500", Cause: cause}, ServerError},
		{"Error without kind takes the cause's", Wrap(nil, "m", notFound), ParameterNotFound},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Timeout},
		{"canceled", context.Canceled, Canceled},
		{"code wins over context", Wrap(New(Throttled, "t"), "m", context.DeadlineExceeded), Throttled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.err); got != tt.want {
				t.Errorf("Of = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorMatchesKindAndCause(t *testing.T) {
	kind := New(AccessDenied, "access denied")
	cause := &net{}
	err := fmt.Errorf("op: %w", Wrap(kind, "denied: needs ssm:GetParameter", cause))
	if !errors.Is(err, kind) {
		t.Error("errors.Is(kind) = false")
	}
	var n *net
	if !errors.As(err, &n) {
		t.Error("errors.As(cause) = false")
	}
	if err.Error() != "op: denied: needs ssm:GetParameter" {
		t.Errorf("message %q", err)
	}
}

type net struct{}

func (*net) Error() string { return "net" }

func TestCodesAreKebabCase(t *testing.T) {
	kebab := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	for _, c := range []Code{Unknown, Canceled, Timeout, NotInitialized, InvalidInput, InvalidImage,
		InvalidRegistryHost, InvalidRepository, InvalidVersion, InvalidResource, UnsupportedRegion, FIPSUnavailable,
		ParameterNotFound, RegionNotEnabled, AccessDenied, Throttled, InvalidCredentials,
		NoCredentials, ServerError, EndpointUnreachable, AWSError, ResponseTooLarge, UntrustedImage, LegacyAccount,
		ImageNotFound, DigestMismatch, MalformedToken, Unauthorized, ManifestUnknown, TagImmutable,
		RateLimited, RegistryUnreachable, FallbackUsed, UnsupportedManifest, InvalidDockerConfig, CredentialHelper,
		FileError, InvalidConfig, NotEnvironment, InvalidPolicy, PolicyTooLarge, MixedPartitions,
		RoleNotFound} {
		if !kebab.MatchString(string(c)) {
			t.Errorf("%q is not kebab-case", c)
		}
	}
}
