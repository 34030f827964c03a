package appmeshenvoytest

import (
	"encoding/base64"
	"net/http"
)

// ECR Public, JSON 1.1 protocol (signing name "ecr-public", X-Amz-Target
// SpencerFrontendService.<Operation>, as aws-sdk-go-v2 service/ecrpublic sends it). Only
// GetAuthorizationToken is implemented: its answer is one authorizationData object
// (base64 of "AWS:<password>" and expiresAt), without the proxy endpoint ECR's has
// (Amazon ECR Public API Reference, GetAuthorizationToken). The API exists in us-east-1
// only; a request signed for another region is refused.
//
// The password is the gallery's: the token endpoint accepts it as HTTP Basic
// credentials (user "AWS") until it expires, as public.ecr.aws does for a docker client
// logged in with it. It is never a valid ECR private registry password.

var ecrPublicOps = map[string]handlerFunc{
	"GetAuthorizationToken": (*Server).ecrPublicGetAuthorizationToken,
}

func (s *Server) ecrPublicGetAuthorizationToken(c *call) (any, *AWSError) {
	if c.region != galleryRegion {
		return nil, &AWSError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: s.logRefusal("ecr-public:GetAuthorizationToken signed for region " + quoteClient(c.region) + ": ECR Public's API is in us-east-1 only")}
	}
	var in struct{}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	// ECR Public's token needs sts:GetServiceBearerToken as well: a permission only,
	// with no API call of its own (ECR Public user guide, "Registry authentication").
	c.resources = []string{"*"}
	s.mu.Lock()
	pw := "public-" + s.password
	expires := s.now().Add(s.tokenTTL)
	s.publicGrants[pw] = tokenGrant{expires: expires, account: c.account, user: c.user}
	s.recordLocked(Operation{Action: "sts:GetServiceBearerToken", Resource: "*", Region: c.region, Principal: principalARN(c.account, c.user, c.region)})
	s.mu.Unlock()
	type authData struct {
		AuthorizationToken string  `json:"authorizationToken"`
		ExpiresAt          float64 `json:"expiresAt"`
	}
	return struct {
		AuthorizationData authData `json:"authorizationData"`
	}{authData{
		AuthorizationToken: base64.StdEncoding.EncodeToString([]byte("AWS:" + pw)),
		ExpiresAt:          float64(expires.Unix()),
	}}, nil
}

// galleryBasicCredentials reports whether user and pw are the Basic credentials of an
// ECR Public token this server issued and that has not expired.
func (s *Server) galleryBasicCredentials(user, pw string) bool {
	if user != "AWS" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.publicGrants[pw]
	return ok && s.now().Before(g.expires)
}

// GalleryLogins returns how many gallery tokens the token endpoint issued to clients
// that authenticated with an ECR Public token (the rest were anonymous).
func (s *Server) GalleryLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.galleryLogins
}
