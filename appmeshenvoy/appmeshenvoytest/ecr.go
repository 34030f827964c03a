package appmeshenvoytest

import (
	"encoding/base64"
	"net/http"
	"slices"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

var ecrOps = map[string]handlerFunc{
	"GetAuthorizationToken": (*Server).ecrGetAuthorizationToken,
	"BatchGetImage":         (*Server).ecrBatchGetImage,
}

// dnsSuffix returns the DNS suffix of regionCode's partition ("amazonaws.com" when the
// region is unknown).
func dnsSuffix(regionCode string) string {
	if p, ok := region.PartitionOf(regionCode); ok {
		return p.DNSSuffix
	}
	return "amazonaws.com"
}

func partitionID(regionCode string) string {
	if p, ok := region.PartitionOf(regionCode); ok {
		return p.ID
	}
	return region.PartitionAWS
}

func (s *Server) ecrGetAuthorizationToken(c *call) (any, *AWSError) {
	var in struct{ RegistryIds []string }
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	pw, ttl := s.password, s.tokenTTL
	s.mu.Unlock()
	type authData struct {
		AuthorizationToken string  `json:"authorizationToken"`
		ExpiresAt          float64 `json:"expiresAt"`
		ProxyEndpoint      string  `json:"proxyEndpoint"`
	}
	return struct {
		AuthorizationData []authData `json:"authorizationData"`
	}{[]authData{{
		AuthorizationToken: base64.StdEncoding.EncodeToString([]byte("AWS:" + pw)),
		ExpiresAt:          float64(s.now().Add(ttl).Unix()),
		ProxyEndpoint:      "https://" + c.account + ".dkr.ecr." + c.region + "." + dnsSuffix(c.region),
	}}}, nil
}

type ecrImageID struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

func (s *Server) ecrBatchGetImage(c *call) (any, *AWSError) {
	var in struct {
		RegistryID         string       `json:"registryId"`
		RepositoryName     string       `json:"repositoryName"`
		ImageIDs           []ecrImageID `json:"imageIds"`
		AcceptedMediaTypes []string     `json:"acceptedMediaTypes"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	if in.RepositoryName == "" || len(in.ImageIDs) == 0 {
		return nil, &AWSError{Code: "InvalidParameterException", Status: http.StatusBadRequest,
			Message: "repositoryName and imageIds are required"}
	}
	registry := in.RegistryID
	if registry == "" {
		registry = c.account
	}
	r, err := region.Lookup(c.region)
	if err != nil || registry != r.Account || in.RepositoryName != region.RepositoryName {
		return nil, &AWSError{Code: "RepositoryNotFoundException", Status: http.StatusBadRequest,
			Message: "The repository with name '" + in.RepositoryName + "' does not exist in the registry with id '" + registry + "'"}
	}

	type image struct {
		RegistryID             string     `json:"registryId"`
		RepositoryName         string     `json:"repositoryName"`
		ImageID                ecrImageID `json:"imageId"`
		ImageManifest          string     `json:"imageManifest"`
		ImageManifestMediaType string     `json:"imageManifestMediaType"`
	}
	type failure struct {
		ImageID       ecrImageID `json:"imageId"`
		FailureCode   string     `json:"failureCode"`
		FailureReason string     `json:"failureReason"`
	}
	out := struct {
		Images   []image   `json:"images"`
		Failures []failure `json:"failures"`
	}{Images: []image{}, Failures: []failure{}}

	s.mu.Lock()
	defer s.mu.Unlock()
	digest := digestOf(s.manifest)
	for _, id := range in.ImageIDs {
		switch {
		case id.ImageTag == "" && id.ImageDigest == "":
			out.Failures = append(out.Failures, failure{id, "MissingDigestAndTag", "Missing image digest and tag"})
			continue
		case id.ImageTag != "" && !s.tagKnownLocked(c.region, id.ImageTag),
			id.ImageTag == "" && id.ImageDigest != digest:
			out.Failures = append(out.Failures, failure{id, "ImageNotFound", "Requested image not found"})
			continue
		case id.ImageDigest != "" && id.ImageDigest != digest:
			out.Failures = append(out.Failures, failure{id, "ImageTagDoesNotMatchDigest", "Image tag does not match digest"})
			continue
		}
		if len(in.AcceptedMediaTypes) > 0 && !slices.Contains(in.AcceptedMediaTypes, s.manifestMT) {
			// This server does not convert manifests between media types.
			out.Failures = append(out.Failures, failure{id, "UnsupportedImageType",
				"The image's media type " + s.manifestMT + " is not in acceptedMediaTypes"})
			continue
		}
		out.Images = append(out.Images, image{
			RegistryID:             registry,
			RepositoryName:         in.RepositoryName,
			ImageID:                ecrImageID{ImageDigest: digest, ImageTag: id.ImageTag},
			ImageManifest:          string(s.manifest),
			ImageManifestMediaType: s.manifestMT,
		})
	}
	return out, nil
}
