package appmeshenvoytest

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// The ECR JSON operations, over the same store as the registry API. Shapes and errors:
// Amazon ECR API Reference (BatchGetImage, DescribeImages, ListImages,
// CreateRepository, DescribeRepositories, GetAuthorizationToken; the pull-through cache
// operations are in pullthrough.go) and the member names of
// aws-sdk-go-v2 service/ecr/schemas.

var ecrOps = map[string]handlerFunc{
	"GetAuthorizationToken": (*Server).ecrGetAuthorizationToken,
	"BatchGetImage":         (*Server).ecrBatchGetImage,
	"DescribeImages":        (*Server).ecrDescribeImages,
	"ListImages":            (*Server).ecrListImages,
	"CreateRepository":      (*Server).ecrCreateRepository,
	"DescribeRepositories":  (*Server).ecrDescribeRepositories,

	"CreatePullThroughCacheRule":    (*Server).ecrCreatePullThroughCacheRule,
	"DescribePullThroughCacheRules": (*Server).ecrDescribePullThroughCacheRules,
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

func invalidParameter(msg string) *AWSError {
	return &AWSError{Code: "InvalidParameterException", Status: http.StatusBadRequest, Message: msg}
}

func repositoryNotFound(name, registry string) *AWSError {
	return &AWSError{Code: "RepositoryNotFoundException", Status: http.StatusBadRequest,
		Message: "The repository with name '" + name + "' does not exist in the registry with id '" + registry + "'"}
}

// epoch is a timestamp as the JSON 1.1 protocol sends it: seconds since the epoch.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (s *Server) ecrGetAuthorizationToken(c *call) (any, *AWSError) {
	var in struct{ RegistryIds []string }
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	c.resources = []string{"*"}
	s.mu.Lock()
	pw := s.password
	expires := s.now().Add(s.tokenTTL)
	s.grantLocked(pw, c.region, c.account, c.user, expires)
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
		ExpiresAt:          float64(expires.Unix()),
		ProxyEndpoint:      "https://" + c.account + ".dkr.ecr." + c.region + "." + dnsSuffix(c.region),
	}}}, nil
}

type ecrImageID struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

// ecrRepository finds the repository of a JSON request: registryID (the caller's
// account when empty) in c's region. It names the repository as the call's resource.
func (s *Server) ecrRepositoryLocked(c *call, registryID, name string) (registryKey, *repository, *AWSError) {
	key := c.registryKey(registryID)
	registryID = key.account
	c.resources = []string{key.repositoryARN(name)}
	repo := s.repositoryLocked(key, name)
	if repo == nil {
		return key, nil, repositoryNotFound(name, registryID)
	}
	return key, repo, nil
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
		return nil, invalidParameter("repositoryName and imageIds are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, repo, aerr := s.ecrRepositoryLocked(c, in.RegistryID, in.RepositoryName)
	if aerr != nil {
		return nil, aerr
	}

	type imageOut struct {
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
		Images   []imageOut `json:"images"`
		Failures []failure  `json:"failures"`
	}{Images: []imageOut{}, Failures: []failure{}}

	for _, id := range in.ImageIDs {
		var img *image
		switch {
		case id.ImageTag == "" && id.ImageDigest == "":
			out.Failures = append(out.Failures, failure{id, "MissingDigestAndTag", "Missing image digest and tag"})
			continue
		case id.ImageTag != "":
			img = repo.resolve(id.ImageTag)
		default:
			img = repo.images[id.ImageDigest]
		}
		switch {
		case img == nil:
			out.Failures = append(out.Failures, failure{id, "ImageNotFound", "Requested image not found"})
			continue
		case id.ImageDigest != "" && id.ImageDigest != img.digest:
			out.Failures = append(out.Failures, failure{id, "ImageTagDoesNotMatchDigest", "Image tag does not match digest"})
			continue
		}
		if len(in.AcceptedMediaTypes) > 0 && !slices.Contains(in.AcceptedMediaTypes, img.mediaType) {
			// This server does not convert manifests between media types.
			out.Failures = append(out.Failures, failure{id, "UnsupportedImageType",
				"The image's media type " + img.mediaType + " is not in acceptedMediaTypes"})
			continue
		}
		out.Images = append(out.Images, imageOut{
			RegistryID:             key.account,
			RepositoryName:         in.RepositoryName,
			ImageID:                ecrImageID{ImageDigest: img.digest, ImageTag: id.ImageTag},
			ImageManifest:          string(img.body),
			ImageManifestMediaType: img.mediaType,
		})
	}
	return out, nil
}

// tagStatusFilter is the filter of DescribeImages and ListImages.
type tagStatusFilter struct {
	TagStatus string `json:"tagStatus"`
}

// checkTagStatus checks a filter.tagStatus value.
func checkTagStatus(f *tagStatusFilter) *AWSError {
	if f == nil {
		return nil
	}
	switch f.TagStatus {
	case "", "TAGGED", "UNTAGGED", "ANY":
		return nil
	}
	return invalidParameter("Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'")
}

// keep reports whether an image with tags passes the filter.
func (f *tagStatusFilter) keep(tags []string) bool {
	if f == nil {
		return true
	}
	switch f.TagStatus {
	case "TAGGED":
		return len(tags) > 0
	case "UNTAGGED":
		return len(tags) == 0
	}
	return true
}

// page returns the items of one page of a listing sorted by key: those after the key
// in nextToken, at most maxResults (1 to 1,000; 100 when 0), and the token of the next
// page. The token is the base64 of the last key returned.
func page[T any](items []T, key func(T) string, nextToken string, maxResults int) ([]T, string, *AWSError) {
	if maxResults == 0 {
		maxResults = 100
	}
	if maxResults < 1 || maxResults > 1000 {
		return nil, "", invalidParameter("Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000 and greater than or equal to 1'")
	}
	slices.SortFunc(items, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	if nextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil || len(after) == 0 {
			return nil, "", invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'")
		}
		i, _ := slices.BinarySearchFunc(items, string(after), func(t T, k string) int { return cmp.Compare(key(t), k) })
		for i < len(items) && key(items[i]) <= string(after) {
			i++
		}
		items = items[i:]
	}
	if len(items) <= maxResults {
		return items, "", nil
	}
	items = items[:maxResults]
	return items, base64.RawURLEncoding.EncodeToString([]byte(key(items[maxResults-1]))), nil
}

func (s *Server) ecrDescribeImages(c *call) (any, *AWSError) {
	var in struct {
		RegistryID     string           `json:"registryId"`
		RepositoryName string           `json:"repositoryName"`
		ImageIDs       []ecrImageID     `json:"imageIds"`
		NextToken      string           `json:"nextToken"`
		MaxResults     int              `json:"maxResults"`
		Filter         *tagStatusFilter `json:"filter"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	if in.RepositoryName == "" {
		return nil, invalidParameter("repositoryName is required")
	}
	if aerr := checkTagStatus(in.Filter); aerr != nil {
		return nil, aerr
	}
	if len(in.ImageIDs) > 0 && (in.NextToken != "" || in.MaxResults != 0) {
		return nil, invalidParameter("Invalid parameter: maxResults and nextToken cannot be used with imageIds")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, repo, aerr := s.ecrRepositoryLocked(c, in.RegistryID, in.RepositoryName)
	if aerr != nil {
		return nil, aerr
	}

	type detail struct {
		RegistryID             string   `json:"registryId"`
		RepositoryName         string   `json:"repositoryName"`
		ImageDigest            string   `json:"imageDigest"`
		ImageTags              []string `json:"imageTags,omitempty"`
		ImageSizeInBytes       int64    `json:"imageSizeInBytes"`
		ImagePushedAt          float64  `json:"imagePushedAt"`
		ImageManifestMediaType string   `json:"imageManifestMediaType"`
		ArtifactMediaType      string   `json:"artifactMediaType,omitempty"`
	}
	describe := func(img *image) detail {
		return detail{RegistryID: key.account, RepositoryName: repo.name, ImageDigest: img.digest, ImageTags: repo.tagsOf(img.digest),
			ImageSizeInBytes: img.size, ImagePushedAt: epoch(img.pushedAt), ImageManifestMediaType: img.mediaType, ArtifactMediaType: img.artifact}
	}
	out := struct {
		ImageDetails []detail `json:"imageDetails"`
		NextToken    string   `json:"nextToken,omitempty"`
	}{ImageDetails: []detail{}}

	if len(in.ImageIDs) > 0 {
		if len(in.ImageIDs) > 100 {
			return nil, invalidParameter("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length less than or equal to 100'")
		}
		seen := map[string]bool{}
		for _, id := range in.ImageIDs {
			ref := id.ImageTag
			if ref == "" {
				ref = id.ImageDigest
			}
			img := repo.resolve(ref)
			if img == nil || (id.ImageDigest != "" && id.ImageDigest != img.digest) {
				return nil, &AWSError{Code: "ImageNotFoundException", Status: http.StatusBadRequest,
					Message: "The image with imageId {imageDigest:'" + orNull(id.ImageDigest) + "', imageTag:'" + orNull(id.ImageTag) +
						"'} does not exist within the repository with name '" + repo.name + "' in the registry with id '" + key.account + "'"}
			}
			if !seen[img.digest] && in.Filter.keep(repo.tagsOf(img.digest)) {
				seen[img.digest] = true
				out.ImageDetails = append(out.ImageDetails, describe(img))
			}
		}
		return out, nil
	}
	var all []*image
	for _, img := range repo.images {
		if in.Filter.keep(repo.tagsOf(img.digest)) {
			all = append(all, img)
		}
	}
	items, next, aerr := page(all, func(i *image) string { return i.digest }, in.NextToken, in.MaxResults)
	if aerr != nil {
		return nil, aerr
	}
	for _, img := range items {
		out.ImageDetails = append(out.ImageDetails, describe(img))
	}
	out.NextToken = next
	return out, nil
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func (s *Server) ecrListImages(c *call) (any, *AWSError) {
	var in struct {
		RegistryID     string           `json:"registryId"`
		RepositoryName string           `json:"repositoryName"`
		NextToken      string           `json:"nextToken"`
		MaxResults     int              `json:"maxResults"`
		Filter         *tagStatusFilter `json:"filter"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	if in.RepositoryName == "" {
		return nil, invalidParameter("repositoryName is required")
	}
	if aerr := checkTagStatus(in.Filter); aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, repo, aerr := s.ecrRepositoryLocked(c, in.RegistryID, in.RepositoryName)
	if aerr != nil {
		return nil, aerr
	}
	// One entry per tag, and one per untagged image (digest only).
	var ids []ecrImageID
	for d := range repo.images {
		tags := repo.tagsOf(d)
		if !in.Filter.keep(tags) {
			continue
		}
		if len(tags) == 0 {
			ids = append(ids, ecrImageID{ImageDigest: d})
		}
		for _, t := range tags {
			ids = append(ids, ecrImageID{ImageDigest: d, ImageTag: t})
		}
	}
	items, next, aerr := page(ids, func(id ecrImageID) string { return id.ImageTag + "@" + id.ImageDigest }, in.NextToken, in.MaxResults)
	if aerr != nil {
		return nil, aerr
	}
	return struct {
		ImageIDs  []ecrImageID `json:"imageIds"`
		NextToken string       `json:"nextToken,omitempty"`
	}{append([]ecrImageID{}, items...), next}, nil
}

// ecrRepositoryJSON is a repository as ECR describes it.
type ecrRepositoryJSON struct {
	RepositoryArn              string  `json:"repositoryArn"`
	RegistryID                 string  `json:"registryId"`
	RepositoryName             string  `json:"repositoryName"`
	RepositoryURI              string  `json:"repositoryUri"`
	CreatedAt                  float64 `json:"createdAt"`
	ImageTagMutability         string  `json:"imageTagMutability"`
	ImageScanningConfiguration struct {
		ScanOnPush bool `json:"scanOnPush"`
	} `json:"imageScanningConfiguration"`
	EncryptionConfiguration struct {
		EncryptionType string `json:"encryptionType"`
		KmsKey         string `json:"kmsKey,omitempty"`
	} `json:"encryptionConfiguration"`
}

func describeRepository(key registryKey, r *repository) ecrRepositoryJSON {
	out := ecrRepositoryJSON{RepositoryArn: r.arn, RegistryID: key.account, RepositoryName: r.name,
		RepositoryURI: key.host + "/" + r.name, CreatedAt: epoch(r.created), ImageTagMutability: "MUTABLE"}
	if r.immutable {
		out.ImageTagMutability = "IMMUTABLE"
	}
	out.ImageScanningConfiguration.ScanOnPush = r.scanOnPush
	out.EncryptionConfiguration.EncryptionType = r.encryption
	out.EncryptionConfiguration.KmsKey = r.kmsKey
	return out
}

func (s *Server) ecrCreateRepository(c *call) (any, *AWSError) {
	var in struct {
		RegistryID                 string   `json:"registryId"`
		RepositoryName             string   `json:"repositoryName"`
		Tags                       []ecrTag `json:"tags"`
		ImageTagMutability         string   `json:"imageTagMutability"`
		ImageScanningConfiguration *struct {
			ScanOnPush bool `json:"scanOnPush"`
		} `json:"imageScanningConfiguration"`
		EncryptionConfiguration *struct {
			EncryptionType string `json:"encryptionType"`
			KmsKey         string `json:"kmsKey"`
		} `json:"encryptionConfiguration"`
		ImageTagMutabilityExclusionFilters json.RawMessage `json:"imageTagMutabilityExclusionFilters"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	key := c.registryKey(in.RegistryID)
	registryID := key.account
	c.resources = []string{key.repositoryARN(in.RepositoryName)}
	if !validRepositoryName(in.RepositoryName) {
		return nil, invalidParameter("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression " +
			"'(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and have length between 2 and 256'")
	}
	if registryID != c.account {
		return nil, &AWSError{Code: "AccessDeniedException", Status: http.StatusBadRequest, Message: "User: " + principalARN(c.account, c.user, c.region) +
			" is not authorized to perform: ecr:CreateRepository on resource: " + key.repositoryARN(in.RepositoryName)}
	}
	immutable := false
	switch in.ImageTagMutability {
	case "", "MUTABLE":
	case "IMMUTABLE":
		immutable = true
	case "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION":
		return nil, &AWSError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: s.logRefusal("ecr:CreateRepository with imageTagMutability " + in.ImageTagMutability + ": tag mutability exclusion filters are not implemented by this server")}
	default:
		return nil, invalidParameter("Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]'")
	}
	encryption, kmsKey := "AES256", ""
	if e := in.EncryptionConfiguration; e != nil {
		switch e.EncryptionType {
		case "AES256":
			if e.KmsKey != "" {
				return nil, invalidParameter("Invalid parameter at 'encryptionConfiguration': kmsKey can only be specified when encryptionType is KMS")
			}
		case "KMS":
			encryption, kmsKey = "KMS", e.KmsKey
			if kmsKey == "" {
				kmsKey = arn.ARN{Partition: key.partition, Service: "kms", Region: c.region, AccountID: c.account, Resource: "alias/aws/ecr"}.String()
			}
		case "KMS_DSSE":
			return nil, &AWSError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
				Message: s.logRefusal("ecr:CreateRepository with encryptionType KMS_DSSE: not implemented by this server")}
		default:
			return nil, invalidParameter("Invalid parameter at 'encryptionConfiguration.encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'")
		}
	}
	if len(in.Tags) > 50 {
		return nil, &AWSError{Code: "TooManyTagsException", Status: http.StatusBadRequest, Message: "The repository can have at most 50 tags"}
	}
	for _, t := range in.Tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, &AWSError{Code: "InvalidTagParameterException", Status: http.StatusBadRequest, Message: "Invalid tag key " + strconv.Quote(clip(t.Key, 64))}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.registryLocked(key)
	if rs.repos[in.RepositoryName] != nil {
		return nil, &AWSError{Code: "RepositoryAlreadyExistsException", Status: http.StatusBadRequest,
			Message: "The repository with name '" + in.RepositoryName + "' already exists in the registry with id '" + registryID + "'"}
	}
	if len(in.Tags) > 0 {
		// Tags given on creation are authorized as ecr:TagResource too (ECR User Guide,
		// "Using Tag-Based Access Control": "Amazon performs additional authorization ...
		// to verify if users have permissions to create tags").
		s.recordLocked(Operation{Action: "ecr:TagResource", Resource: key.repositoryARN(in.RepositoryName), Region: c.region,
			Principal: principalARN(c.account, c.user, c.region)})
	}
	r := newRepository(key, in.RepositoryName, s.now())
	r.immutable, r.encryption, r.kmsKey = immutable, encryption, kmsKey
	r.resTags = append([]ecrTag(nil), in.Tags...)
	if in.ImageScanningConfiguration != nil {
		r.scanOnPush = in.ImageScanningConfiguration.ScanOnPush
	}
	rs.repos[r.name] = r
	return struct {
		Repository ecrRepositoryJSON `json:"repository"`
	}{describeRepository(key, r)}, nil
}

func (s *Server) ecrDescribeRepositories(c *call) (any, *AWSError) {
	var in struct {
		RegistryID      string   `json:"registryId"`
		RepositoryNames []string `json:"repositoryNames"`
		NextToken       string   `json:"nextToken"`
		MaxResults      int      `json:"maxResults"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	key := c.registryKey(in.RegistryID)
	registryID := key.account
	if len(in.RepositoryNames) > 0 && (in.NextToken != "" || in.MaxResults != 0) {
		return nil, invalidParameter("Invalid parameter: maxResults and nextToken cannot be used with repositoryNames")
	}
	if len(in.RepositoryNames) > 100 {
		return nil, invalidParameter("Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Member must have length less than or equal to 100'")
	}
	out := struct {
		Repositories []ecrRepositoryJSON `json:"repositories"`
		NextToken    string              `json:"nextToken,omitempty"`
	}{Repositories: []ecrRepositoryJSON{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(in.RepositoryNames) > 0 {
		for _, name := range in.RepositoryNames {
			c.resources = append(c.resources, key.repositoryARN(name))
		}
		for _, name := range in.RepositoryNames {
			r := s.repositoryLocked(key, name)
			if r == nil {
				return nil, repositoryNotFound(name, registryID)
			}
			out.Repositories = append(out.Repositories, describeRepository(key, r))
		}
		return out, nil
	}
	c.resources = []string{key.repositoryARN("*")}
	var all []*repository
	if rs := s.registries[key.host]; rs != nil {
		for _, r := range rs.repos {
			all = append(all, r)
		}
	}
	items, next, aerr := page(all, func(r *repository) string { return r.name }, in.NextToken, in.MaxResults)
	if aerr != nil {
		return nil, aerr
	}
	for _, r := range items {
		out.Repositories = append(out.Repositories, describeRepository(key, r))
	}
	out.NextToken = next
	return out, nil
}
