package appmeshenvoytest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// The ECS read operations the server answers (JSON 1.1, X-Amz-Target
// AmazonEC2ContainerServiceV20141113.*, signing name ecs), as described in the Amazon ECS
// API Reference (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/): the
// operations a read-only inventory of services and task definitions makes.
var ecsOps = map[string]handlerFunc{
	"ListClusters":           (*Server).ecsListClusters,
	"ListServices":           (*Server).ecsListServices,
	"DescribeServices":       (*Server).ecsDescribeServices,
	"DescribeTaskDefinition": (*Server).ecsDescribeTaskDefinition,
}

// ECS page sizes and limits, as the ECS API Reference gives them: ListClusters and
// ListServices return at most 100 results per page, 100 and 10 by default; DescribeServices
// takes at most 10 services.
const (
	ecsMaxPage             = 100
	ecsClustersDefaultPage = 100
	ecsServicesDefaultPage = 10
	ecsMaxDescribe         = 10
	// maxECSObjects bounds what a seed may create in one account and region (clusters,
	// services, task definition revisions), so that a seed file cannot fill memory.
	maxECSObjects = 10000
)

// ecsState is the ECS data of every account and region.
type ecsState struct {
	regions map[ecsKey]*ecsRegion
}

type ecsKey struct{ account, region string }

// ecsRegion is the ECS data of one account in one region.
type ecsRegion struct {
	clusters map[string]*ecsCluster // by name
	families map[string][]*ecsTaskDefinition
	objects  int
}

type ecsCluster struct {
	name     string
	services []*ecsService // in creation order
}

type ecsService struct {
	name    string
	taskDef []string // task definition ARNs: the primary deployment's first
	created time.Time
}

// ecsTaskDefinition is a registered revision: the object DescribeTaskDefinition returns.
type ecsTaskDefinition struct {
	arn    string
	object map[string]any
}

// ECSSeed is ECS data for the server: task definitions and services in any number of
// accounts and regions, and the IAM roles that STS AssumeRole lets callers assume. It is
// what [Server.SeedECS] loads and what "appmesh-envoy local-endpoint --ecs-data FILE" reads
// (as JSON, with the keys below). The zero ECSSeed adds nothing.
type ECSSeed struct {
	// Roles are IAM role ARNs ("arn:aws:iam::111122223333:role/inventory"); each role
	// is created in its account, so that AssumeRole succeeds for it.
	Roles []string `json:"roles,omitempty"`
	// Regions are the ECS data of one account and region each.
	Regions []ECSRegionSeed `json:"regions,omitempty"`
}

// ECSRegionSeed is the ECS data of one account in one region.
type ECSRegionSeed struct {
	// Account is the 12-digit account ID. Default: [AccountID].
	Account string `json:"account,omitempty"`
	// Region is the region code, such as "us-west-2". Required.
	Region string `json:"region"`
	// Clusters are cluster names to create even when no service names them.
	Clusters []string `json:"clusters,omitempty"`
	// TaskDefinitions are registered in order, each as the input of
	// RegisterTaskDefinition (family, containerDefinitions, and any other field); the
	// revision counts up per family from 1.
	TaskDefinitions []json.RawMessage `json:"taskDefinitions,omitempty"`
	// Services are created after the task definitions.
	Services []ECSServiceSeed `json:"services,omitempty"`
}

// ECSServiceSeed is one ECS service.
type ECSServiceSeed struct {
	// Cluster is the cluster name; it is created if needed. Default: "default".
	Cluster string `json:"cluster,omitempty"`
	// Name is the service name. Required.
	Name string `json:"name"`
	// TaskDefinition is the task definition the service runs: "family:revision",
	// "family" (its latest revision) or an ARN. Required.
	TaskDefinition string `json:"taskDefinition"`
	// Deploying is a second task definition, rolled out by a deployment in progress (the
	// service's PRIMARY deployment) while TaskDefinition still runs (ACTIVE). Default:
	// none.
	Deploying string `json:"deploying,omitempty"`
}

// ParseECSSeed reads an [ECSSeed] from JSON; unknown keys are an error.
func ParseECSSeed(data []byte) (ECSSeed, error) {
	var seed ECSSeed
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return ECSSeed{}, fmt.Errorf("appmeshenvoytest: ECS seed: %w", err)
	}
	if dec.More() {
		return ECSSeed{}, errors.New("appmeshenvoytest: ECS seed: data after the JSON object")
	}
	return seed, nil
}

// SeedECS adds the roles, task definitions and services of seed. It stops at the first
// error (a role that is not a role ARN, an unsupported region code, a task definition
// without family or container definitions, a service naming a task definition that
// does not exist); what was added before stays.
func (s *Server) SeedECS(seed ECSSeed) error {
	for _, r := range seed.Roles {
		a, err := arn.Parse(r)
		name, ok := strings.CutPrefix(a.Resource, "role/")
		if err != nil || a.Service != "iam" || !ok || !isAccount(a.AccountID) || name == "" {
			return fmt.Errorf("appmeshenvoytest: ECS seed: role %s is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", quoteClient(r))
		}
		s.AddRoleInAccount(a.AccountID, name[strings.LastIndexByte(name, '/')+1:])
	}
	for _, rs := range seed.Regions {
		account := rs.Account
		if account == "" {
			account = AccountID
		}
		if err := checkECSTarget(account, rs.Region); err != nil {
			return err
		}
		for _, td := range rs.TaskDefinitions {
			if _, err := s.RegisterTaskDefinition(account, rs.Region, td); err != nil {
				return err
			}
		}
		for _, c := range rs.Clusters {
			if err := s.CreateCluster(account, rs.Region, c); err != nil {
				return err
			}
		}
		for _, svc := range rs.Services {
			tds := []string{svc.TaskDefinition}
			if svc.Deploying != "" {
				tds = []string{svc.Deploying, svc.TaskDefinition}
			}
			if err := s.PutService(account, rs.Region, svc.Cluster, svc.Name, tds...); err != nil {
				return err
			}
		}
	}
	return nil
}

// isAccount reports whether s is a 12-digit account ID.
func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ecsRegionLocked returns the ECS data of account in regionCode, creating it.
func (s *Server) ecsRegionLocked(account, regionCode string) *ecsRegion {
	if s.ecs.regions == nil {
		s.ecs.regions = map[ecsKey]*ecsRegion{}
	}
	k := ecsKey{account, regionCode}
	r := s.ecs.regions[k]
	if r == nil {
		r = &ecsRegion{clusters: map[string]*ecsCluster{}, families: map[string][]*ecsTaskDefinition{}}
		s.ecs.regions[k] = r
	}
	return r
}

// checkECSTarget checks the account and region of a seed call.
func checkECSTarget(account, regionCode string) error {
	if !isAccount(account) {
		return fmt.Errorf("appmeshenvoytest: account %s is not a 12-digit account ID", quoteClient(account))
	}
	if _, err := region.Lookup(regionCode); err != nil || regionCode != strings.ToLower(strings.TrimSpace(regionCode)) {
		return fmt.Errorf("appmeshenvoytest: region %s is not a supported region code", quoteClient(regionCode))
	}
	return nil
}

// ecsARN returns the ARN of an ECS resource of account in regionCode.
func ecsARN(account, regionCode, resource string) string {
	return arn.ARN{Partition: partitionID(regionCode), Service: "ecs", Region: regionCode, AccountID: account, Resource: resource}.String()
}

// RegisterTaskDefinition registers a revision of a task definition in account and
// regionCode, as ECS RegisterTaskDefinition does, and returns its ARN. def is the JSON
// input of RegisterTaskDefinition: it must have a family and at least one container
// definition with a name and an image; every other field is kept as given. The server
// adds what ECS adds (taskDefinitionArn, revision, status, compatibilities,
// registeredAt, registeredBy).
func (s *Server) RegisterTaskDefinition(account, regionCode string, def []byte) (string, error) {
	if err := checkECSTarget(account, regionCode); err != nil {
		return "", err
	}
	obj := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(def))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return "", fmt.Errorf("appmeshenvoytest: task definition is not a JSON object: %w", err)
	}
	family, _ := obj["family"].(string)
	if family == "" || len(family) > 255 {
		return "", errors.New("appmeshenvoytest: task definition has no family")
	}
	containers, _ := obj["containerDefinitions"].([]any)
	if len(containers) == 0 {
		return "", fmt.Errorf("appmeshenvoytest: task definition %s has no containerDefinitions", quoteClient(family))
	}
	for _, c := range containers {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		image, _ := m["image"].(string)
		if name == "" || image == "" {
			return "", fmt.Errorf("appmeshenvoytest: task definition %s has a container definition without name or image", quoteClient(family))
		}
	}
	for _, k := range []string{"taskDefinitionArn", "revision", "status", "compatibilities", "registeredAt", "registeredBy", "requiresAttributes", "deregisteredAt"} {
		delete(obj, k)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.ecsRegionLocked(account, regionCode)
	if r.objects >= maxECSObjects {
		return "", fmt.Errorf("appmeshenvoytest: more than %d ECS objects in %s %s", maxECSObjects, account, regionCode)
	}
	r.objects++
	rev := len(r.families[family]) + 1
	td := &ecsTaskDefinition{arn: ecsARN(account, regionCode, "task-definition/"+family+":"+strconv.Itoa(rev)), object: obj}
	obj["taskDefinitionArn"] = td.arn
	obj["revision"] = rev
	obj["status"] = "ACTIVE"
	compat := []any{"EC2"}
	if rc, ok := obj["requiresCompatibilities"].([]any); ok && len(rc) > 0 {
		compat = rc
	}
	obj["compatibilities"] = compat
	obj["registeredAt"] = float64(s.now().Unix())
	obj["registeredBy"] = principalARN(account, UserName, regionCode)
	r.families[family] = append(r.families[family], td)
	return td.arn, nil
}

// CreateCluster creates the ECS cluster name in account and regionCode, as ECS
// CreateCluster does; an existing cluster is kept as it is.
func (s *Server) CreateCluster(account, regionCode, name string) error {
	if err := checkECSTarget(account, regionCode); err != nil {
		return err
	}
	if !isECSName(name) {
		return fmt.Errorf("appmeshenvoytest: cluster name %s: up to 255 letters, digits, - and _", quoteClient(name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.clusterLocked(s.ecsRegionLocked(account, regionCode), name)
	return err
}

func (s *Server) clusterLocked(r *ecsRegion, name string) (*ecsCluster, error) {
	if c := r.clusters[name]; c != nil {
		return c, nil
	}
	if r.objects >= maxECSObjects {
		return nil, fmt.Errorf("appmeshenvoytest: more than %d ECS objects in one account and region", maxECSObjects)
	}
	r.objects++
	c := &ecsCluster{name: name}
	r.clusters[name] = c
	return c, nil
}

// isECSName checks a cluster or service name: 1 to 255 letters, digits, hyphens and
// underscores (ECS API Reference, CreateCluster and CreateService).
func isECSName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// PutService creates (or replaces) the ECS service name in cluster (default "default",
// created if needed) of account and regionCode, running the given task definitions:
// the first is the PRIMARY deployment's, any others belong to ACTIVE deployments still
// running (a rolling update in progress). Each is "family:revision", "family" (the
// latest revision) or a task definition ARN, and must be registered.
func (s *Server) PutService(account, regionCode, cluster, name string, taskDefinitions ...string) error {
	if err := checkECSTarget(account, regionCode); err != nil {
		return err
	}
	if cluster == "" {
		cluster = "default"
	}
	if !isECSName(cluster) || !isECSName(name) {
		return fmt.Errorf("appmeshenvoytest: cluster %s or service %s: names are up to 255 letters, digits, - and _", quoteClient(cluster), quoteClient(name))
	}
	if len(taskDefinitions) == 0 {
		return fmt.Errorf("appmeshenvoytest: service %s runs no task definition", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.ecsRegionLocked(account, regionCode)
	var arns []string
	for _, td := range taskDefinitions {
		t := r.taskDefinition(td)
		if t == nil {
			return fmt.Errorf("appmeshenvoytest: service %s: no task definition %s in %s %s", name, quoteClient(td), account, regionCode)
		}
		arns = append(arns, t.arn)
	}
	c, err := s.clusterLocked(r, cluster)
	if err != nil {
		return err
	}
	for _, svc := range c.services {
		if svc.name == name {
			svc.taskDef = arns
			return nil
		}
	}
	if r.objects >= maxECSObjects {
		return fmt.Errorf("appmeshenvoytest: more than %d ECS objects in one account and region", maxECSObjects)
	}
	r.objects++
	c.services = append(c.services, &ecsService{name: name, taskDef: arns, created: s.now()})
	return nil
}

// taskDefinition finds a task definition by "family", "family:revision" or ARN.
func (r *ecsRegion) taskDefinition(ref string) *ecsTaskDefinition {
	if a, err := arn.Parse(ref); err == nil {
		ref, _ = strings.CutPrefix(a.Resource, "task-definition/")
	}
	family, rev, hasRev := strings.Cut(ref, ":")
	revs := r.families[family]
	if len(revs) == 0 {
		return nil
	}
	if !hasRev {
		return revs[len(revs)-1]
	}
	n, err := strconv.Atoi(rev)
	if err != nil || n < 1 || n > len(revs) || strconv.Itoa(n) != rev {
		return nil
	}
	return revs[n-1]
}

// ECS errors, as the ECS API Reference names them.
func ecsClientError(msg string) *AWSError {
	return &AWSError{Code: "ClientException", Status: http.StatusBadRequest, Message: msg}
}

func clusterNotFound() *AWSError {
	return &AWSError{Code: "ClusterNotFoundException", Status: http.StatusBadRequest, Message: "Cluster not found."}
}

// ecsPage returns the bounds of one page of n items for a request's nextToken and
// maxResults, and the token of the next page ("" on the last page). The token names
// the operation it belongs to.
func ecsPage(op string, n int, nextToken *string, maxResults *int32, defaultSize int) (start, end int, next string, aerr *AWSError) {
	size := defaultSize
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > ecsMaxPage {
			return 0, 0, "", invalidParameter("maxResults must be between 1 and 100.")
		}
		size = int(*maxResults)
	}
	if nextToken != nil && *nextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(*nextToken)
		idx, ok := strings.CutPrefix(string(b), "appmeshenvoytest-ecs:"+op+":")
		i, err2 := strconv.Atoi(idx)
		if err != nil || !ok || err2 != nil || i < 0 || i > n {
			return 0, 0, "", invalidParameter("Invalid nextToken.")
		}
		start = i
	}
	end = min(start+size, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("appmeshenvoytest-ecs:" + op + ":" + strconv.Itoa(end)))
	}
	return start, end, next, nil
}

// ecsRegionForCallLocked returns the ECS data of the caller's account in the call's region, or
// nil when there is none.
func (s *Server) ecsRegionForCallLocked(c *call) *ecsRegion {
	return s.ecs.regions[ecsKey{c.account, c.region}]
}

func (s *Server) ecsListClusters(c *call) (any, *AWSError) {
	var in struct {
		NextToken  *string `json:"nextToken"`
		MaxResults *int32  `json:"maxResults"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	c.resources = []string{"*"}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	if r := s.ecsRegionForCallLocked(c); r != nil {
		for n := range r.clusters {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	start, end, next, aerr := ecsPage("ListClusters", len(names), in.NextToken, in.MaxResults, ecsClustersDefaultPage)
	if aerr != nil {
		return nil, aerr
	}
	out := struct {
		ClusterArns []string `json:"clusterArns"`
		NextToken   string   `json:"nextToken,omitempty"`
	}{ClusterArns: []string{}, NextToken: next}
	for _, n := range names[start:end] {
		out.ClusterArns = append(out.ClusterArns, ecsARN(c.account, c.region, "cluster/"+n))
	}
	return out, nil
}

// clusterOfLocked finds the cluster a request names (a name or an ARN in the caller's
// account and region; "" is "default").
func (s *Server) clusterOfLocked(c *call, ref *string) (*ecsCluster, *AWSError) {
	name := "default"
	if ref != nil && *ref != "" {
		name = *ref
		if a, err := arn.Parse(name); err == nil {
			n, ok := strings.CutPrefix(a.Resource, "cluster/")
			if !ok || a.Service != "ecs" || a.AccountID != c.account || a.Region != c.region {
				return nil, clusterNotFound()
			}
			name = n
		}
	}
	r := s.ecsRegionForCallLocked(c)
	if r == nil || r.clusters[name] == nil {
		return nil, clusterNotFound()
	}
	return r.clusters[name], nil
}

func (s *Server) ecsListServices(c *call) (any, *AWSError) {
	var in struct {
		Cluster            *string `json:"cluster"`
		NextToken          *string `json:"nextToken"`
		MaxResults         *int32  `json:"maxResults"`
		LaunchType         *string `json:"launchType"`
		SchedulingStrategy *string `json:"schedulingStrategy"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	c.resources = []string{"*"}
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, aerr := s.clusterOfLocked(c, in.Cluster)
	if aerr != nil {
		return nil, aerr
	}
	var svcs []*ecsService
	for _, svc := range cl.services {
		// Every service of this server uses the EC2 launch type and the REPLICA strategy.
		if (in.LaunchType == nil || *in.LaunchType == "EC2") && (in.SchedulingStrategy == nil || *in.SchedulingStrategy == "REPLICA") {
			svcs = append(svcs, svc)
		}
	}
	start, end, next, aerr := ecsPage("ListServices", len(svcs), in.NextToken, in.MaxResults, ecsServicesDefaultPage)
	if aerr != nil {
		return nil, aerr
	}
	out := struct {
		ServiceArns []string `json:"serviceArns"`
		NextToken   string   `json:"nextToken,omitempty"`
	}{ServiceArns: []string{}, NextToken: next}
	for _, svc := range svcs[start:end] {
		out.ServiceArns = append(out.ServiceArns, ecsARN(c.account, c.region, "service/"+cl.name+"/"+svc.name))
	}
	return out, nil
}

// ecsDeployment and ecsServiceJSON are the shapes of the ECS API's Deployment and
// Service, with the fields this server fills.
type ecsDeployment struct {
	ID             string  `json:"id"`
	Status         string  `json:"status"`
	TaskDefinition string  `json:"taskDefinition"`
	DesiredCount   int     `json:"desiredCount"`
	RunningCount   int     `json:"runningCount"`
	PendingCount   int     `json:"pendingCount"`
	LaunchType     string  `json:"launchType"`
	RolloutState   string  `json:"rolloutState"`
	CreatedAt      float64 `json:"createdAt"`
	UpdatedAt      float64 `json:"updatedAt"`
}

type ecsServiceJSON struct {
	ServiceArn         string          `json:"serviceArn"`
	ServiceName        string          `json:"serviceName"`
	ClusterArn         string          `json:"clusterArn"`
	Status             string          `json:"status"`
	DesiredCount       int             `json:"desiredCount"`
	RunningCount       int             `json:"runningCount"`
	PendingCount       int             `json:"pendingCount"`
	LaunchType         string          `json:"launchType"`
	TaskDefinition     string          `json:"taskDefinition"`
	Deployments        []ecsDeployment `json:"deployments"`
	CreatedAt          float64         `json:"createdAt"`
	SchedulingStrategy string          `json:"schedulingStrategy"`
}

func (s *Server) ecsDescribeServices(c *call) (any, *AWSError) {
	var in struct {
		Cluster  *string  `json:"cluster"`
		Services []string `json:"services"`
		Include  []string `json:"include"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	if len(in.Services) == 0 || len(in.Services) > ecsMaxDescribe {
		return nil, invalidParameter("services can have between 1 and 10 items.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clusterName := "default"
	if in.Cluster != nil && *in.Cluster != "" {
		clusterName = *in.Cluster
		if a, err := arn.Parse(clusterName); err == nil {
			clusterName = strings.TrimPrefix(a.Resource, "cluster/")
		}
	}
	// The resources are the services asked for, as ARNs: what IAM authorizes
	// ecs:DescribeServices on.
	for _, ref := range in.Services {
		c.resources = append(c.resources, serviceARNFor(c, clusterName, ref))
	}
	cl, aerr := s.clusterOfLocked(c, in.Cluster)
	if aerr != nil {
		return nil, aerr
	}
	type failure struct {
		Arn    string `json:"arn"`
		Reason string `json:"reason"`
	}
	out := struct {
		Services []ecsServiceJSON `json:"services"`
		Failures []failure        `json:"failures"`
	}{Services: []ecsServiceJSON{}, Failures: []failure{}}
	for _, want := range c.resources {
		var found *ecsService
		for _, svc := range cl.services {
			if ecsARN(c.account, c.region, "service/"+cl.name+"/"+svc.name) == want {
				found = svc
				break
			}
		}
		if found == nil {
			out.Failures = append(out.Failures, failure{Arn: want, Reason: "MISSING"})
			continue
		}
		created := float64(found.created.Unix())
		js := ecsServiceJSON{
			ServiceArn: want, ServiceName: found.name, ClusterArn: ecsARN(c.account, c.region, "cluster/"+cl.name),
			Status: "ACTIVE", DesiredCount: 1, RunningCount: 1, LaunchType: "EC2",
			TaskDefinition: found.taskDef[0], CreatedAt: created, SchedulingStrategy: "REPLICA",
		}
		for j, td := range found.taskDef {
			status, rollout := "PRIMARY", "COMPLETED"
			if len(found.taskDef) > 1 {
				rollout = "IN_PROGRESS"
			}
			if j > 0 {
				status = "ACTIVE"
			}
			js.Deployments = append(js.Deployments, ecsDeployment{
				ID: "ecs-svc/" + strconv.Itoa(1000000000000000000+j), Status: status, TaskDefinition: td,
				DesiredCount: 1, RunningCount: 1, LaunchType: "EC2", RolloutState: rollout, CreatedAt: created, UpdatedAt: created,
			})
		}
		out.Services = append(out.Services, js)
	}
	return out, nil
}

// serviceARNFor returns the ARN of the service ref (a name or an ARN) of cluster in the
// caller's account and region.
func serviceARNFor(c *call, cluster, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return ecsARN(c.account, c.region, "service/"+cluster+"/"+ref)
}

func (s *Server) ecsDescribeTaskDefinition(c *call) (any, *AWSError) {
	var in struct {
		TaskDefinition *string  `json:"taskDefinition"`
		Include        []string `json:"include"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	c.resources = []string{"*"}
	if in.TaskDefinition == nil || *in.TaskDefinition == "" {
		return nil, ecsClientError("TaskDefinition can not be blank.")
	}
	ref := *in.TaskDefinition
	if a, err := arn.Parse(ref); err == nil && (a.AccountID != c.account || a.Region != c.region) {
		return nil, ecsClientError("Unable to describe task definition.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.ecsRegionForCallLocked(c)
	if r == nil {
		return nil, ecsClientError("Unable to describe task definition.")
	}
	td := r.taskDefinition(ref)
	if td == nil {
		return nil, ecsClientError("Unable to describe task definition.")
	}
	out := struct {
		TaskDefinition map[string]any `json:"taskDefinition"`
		Tags           []any          `json:"tags,omitempty"`
	}{TaskDefinition: td.object}
	if slices.Contains(in.Include, "TAGS") {
		out.Tags = []any{}
	}
	return out, nil
}
