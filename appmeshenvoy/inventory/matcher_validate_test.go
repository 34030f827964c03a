package inventory_test

import (
	"errors"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
)

func TestMatcherValidate(t *testing.T) {
	good := []string{"registry.example.com/platform/proxy", "111122223333.dkr.ecr.{region}.amazonaws.com/envoy", "localhost:5000/envoy/"}
	if err := (inventory.Matcher{Mirrors: good}).Validate(); err != nil {
		t.Errorf("Validate(%q) = %v", good, err)
	}
	for _, bad := range []string{"", "x/@", "HOST/:", "x/::@@", "envoy", "registry.example.com/envoy:v1", "Registry.Example.com/Envoy", "a\nb/c", "\x1b]0;x\a/y"} {
		err := (inventory.Matcher{Mirrors: []string{bad}}).Validate()
		if !errors.Is(err, appmeshenvoy.ErrInvalidRepository) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidRepository {
			t.Errorf("Validate(%q) = %v", bad, err)
		}
	}
}
