package dockerconfig

import (
	"encoding/json"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// JSON returns a new docker config document that holds only tokens:
// {"auths":{"<host>":{"auth":"<base64>"}}}, with hosts sorted. It is what a Kubernetes
// secret of type kubernetes.io/dockerconfigjson holds (imagePullSecrets). The result
// contains the passwords: handle it as a secret. No tokens, or a token without a
// registry host or password, or already expired, is an [ErrInvalidToken] error, as in
// [Write].
func JSON(tokens ...appmeshenvoy.Token) ([]byte, error) {
	if err := checkTokens("docker config json", tokens, time.Now()); err != nil {
		return nil, err
	}
	auths := make(map[string]map[string]string, len(tokens))
	for _, t := range tokens {
		auths[dockerHost(t.Registry)] = map[string]string{"auth": authValue(t).Reveal()}
	}
	return json.Marshal(map[string]any{"auths": auths})
}
