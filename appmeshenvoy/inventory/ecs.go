package inventory

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Input errors of [Scanner.ECS].
var (
	// ErrNoRegions is matched when no region is given: "every region" must be asked
	// for explicitly (region.Select with All).
	ErrNoRegions error = errcode.New(errcode.InvalidInput, "no regions to scan")
	// ErrInvalidRole is matched when a role is not an IAM role ARN of the regions'
	// partition.
	ErrInvalidRole error = errcode.New(errcode.InvalidInput, "invalid role ARN")
)

// maxIdleConns bounds the idle connections the shared pool keeps.
const maxIdleConns = 4096

// maxBatch is how many services one DescribeServices call takes (ECS API Reference).
const maxBatch = 10

// Scanner finds the Envoy containers of ECS services across accounts and regions (see
// [Scanner.ECS]). It is safe for concurrent use; the zero Scanner is not usable: its
// methods return an error (code not-initialized) that says to call [NewScanner].
type Scanner struct {
	cfg       aws.Config
	opts      Options
	resolver  *appmeshenvoy.Resolver
	transport *http.Transport // the shared transport NewScanner made, or nil
}

// NewScanner returns a Scanner that calls AWS with cfg (the caller's credentials, which
// assume Options.Roles), after applying the option functions to the defaults described
// in [Options]. Building it does no I/O. When cfg has no HTTPClient, every client the
// Scanner builds shares one connection pool, whose idle connections are closed at the
// end of each scan.
func NewScanner(cfg aws.Config, optFns ...func(*Options)) *Scanner {
	opts := defaultOptions()
	for _, fn := range optFns {
		fn(&opts)
	}
	opts.normalize()
	s := &Scanner{cfg: cfg, opts: opts}
	if cfg.HTTPClient == nil {
		// One connection pool for every client of every account and region: an SDK
		// client built from a config without HTTPClient makes its own pool, and
		// thousands of clients would each keep idle connections open (file
		// descriptors run out at 100 accounts × 25 regions).
		// The pool keeps as many idle connections as calls can be in flight, so that
		// connections are reused instead of opened and closed for every call.
		s.transport = awshttp.NewBuildableClient().GetTransport()
		inFlight := min(opts.Concurrency*opts.RegionConcurrency, maxIdleConns)
		s.transport.MaxIdleConns = max(s.transport.MaxIdleConns, inFlight)
		s.transport.MaxIdleConnsPerHost = max(s.transport.MaxIdleConnsPerHost, inFlight)
		s.cfg.HTTPClient = &http.Client{Transport: s.transport}
	}
	if opts.Latest == nil {
		s.resolver = appmeshenvoy.NewResolver(s.cfg, func(o *appmeshenvoy.ResolverOptions) {
			o.SSMOptions = opts.SSMOptions
			o.RetryMaxAttempts = opts.RetryMaxAttempts
			o.RetryMaxBackoff = opts.RetryMaxBackoff
			o.Logger = opts.Logger
		})
		s.opts.Latest = s.resolver.Resolve
	}
	return s
}

var errScannerNotInitialized = errcode.New(errcode.NotInitialized,
	"inventory: the Scanner is not initialized; create it with inventory.NewScanner(cfg)")

// account is one account to scan: the caller's, or a role's.
type account struct {
	id    string // "" for the caller's own account until a task definition ARN names it
	role  string
	creds aws.CredentialsProvider     // nil: the config's
	ready func(context.Context) error // assumes the role, once
}

// once returns a function that runs fn the first time it is called and returns fn's
// result ever after: an account's role is assumed once, with the first caller's ctx.
func once(fn func(context.Context) error) func(context.Context) error {
	var mu sync.Mutex
	done := false
	var err error
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			err, done = fn(ctx), true
		}
		return err
	}
}

// scan is the state of one call of [Scanner.ECS].
type scan struct {
	s      *Scanner
	mu     sync.Mutex
	report Report
	done   int
	total  int
	latest map[string]func() latestImage
}

type latestImage struct {
	img    appmeshenvoy.Image
	source appmeshenvoy.Source
}

// ECS lists the ECS services of every account (the roles of Options.Roles, or the
// caller's own) in every region given, reads the task definitions their deployments run
// (the PRIMARY one and any still ACTIVE during a rollout), and returns their Envoy
// containers with verdicts, each with the services that use it.
//
// Work is spread over Options.Concurrency (account, region) pairs at once, with at most
// Options.RegionConcurrency calls at once within each pair; calls are retried by the
// SDK's retryer. What cannot be read (a role that cannot be assumed, a region without
// ECS access, a cluster or a task definition) is a [Failure] in the report, next to
// everything that could be read.
//
// The error is only for what fails everything alike: no regions ([ErrNoRegions]), a
// region code that is not supported or regions of two partitions (region.Select's
// errors), a role that is not a role ARN ([ErrInvalidRole]), no usable credentials, or
// ctx ending.
func (s *Scanner) ECS(ctx context.Context, regions []string) (Report, error) {
	if s == nil || s.opts.Latest == nil {
		return Report{}, errScannerNotInitialized
	}
	if err := s.opts.Matcher.Validate(); err != nil {
		return Report{}, err
	}
	if len(regions) == 0 {
		return Report{}, errcode.Wrap(ErrNoRegions, "inventory: no regions given; name the regions to scan, or every region of a partition (region.Select with All)", nil)
	}
	regs, err := region.Select(region.Selection{Codes: regions})
	if err != nil {
		return Report{}, err
	}
	accounts, err := s.accounts(regs[0])
	if err != nil {
		return Report{}, err
	}
	if s.opts.ECSClient == nil {
		if _, err := awserr.Credentials(ctx, s.cfg.Credentials); err != nil {
			return Report{}, err
		}
	}
	sc := &scan{s: s, total: len(accounts) * len(regs), latest: map[string]func() latestImage{}}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Concurrency)
	for _, a := range accounts {
		for _, r := range regs {
			g.Go(func() error {
				sc.scanPair(gctx, a, r)
				return nil
			})
		}
	}
	_ = g.Wait()
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	if err := ctx.Err(); err != nil {
		return sc.report, err
	}
	sc.sort()
	return sc.report, nil
}

// accounts returns the accounts to scan: one per role, or the caller's.
func (s *Scanner) accounts(first region.Region) ([]*account, error) {
	if len(s.opts.Roles) == 0 {
		return []*account{{ready: func(context.Context) error { return nil }}}, nil
	}
	stsCfg := awsConfigFor(s.cfg, first.Code, nil)
	stsClient := sts.NewFromConfig(stsCfg, append([]func(*sts.Options){func(o *sts.Options) {
		o.Retryer = awserr.NewRetryer(s.opts.RetryMaxAttempts, s.opts.RetryMaxBackoff)
		o.RetryMaxAttempts = 0
	}}, s.opts.STSOptions...)...)
	var out []*account
	seen := map[string]bool{}
	for _, role := range s.opts.Roles {
		a, err := arn.Parse(role)
		name, isRole := strings.CutPrefix(a.Resource, "role/")
		switch {
		case err != nil || a.Service != "iam" || !isRole || name == "" || !isAccountID(a.AccountID) || a.Region != "":
			return nil, errcode.Wrap(ErrInvalidRole, "inventory: role "+quote.Input(role)+" is not an IAM role ARN; write arn:"+first.Partition.ID+":iam::ACCOUNT:role/NAME", nil)
		case a.Partition != first.Partition.ID:
			return nil, errcode.Wrap(region.ErrMixedPartitions, "inventory: role "+quote.Input(role)+" is in partition "+quote.Input(a.Partition)+
				", the regions in "+first.Partition.ID+"; one set of credentials works in one partition: run once per partition", nil)
		case seen[role]:
			continue
		}
		seen[role] = true
		provider := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, role, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = s.opts.RoleSessionName
		}))
		out = append(out, &account{id: a.AccountID, role: role, creds: provider, ready: once(func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
			defer cancel()
			_, err := provider.Retrieve(ctx)
			if err == nil {
				return nil
			}
			var ae interface{ ErrorCode() string }
			if errors.As(err, &ae) || ctx.Err() != nil {
				return awserr.Classify(err, awserr.Call{Action: "sts:AssumeRole", Resource: role, Attempts: s.opts.RetryMaxAttempts, Timeout: s.opts.Timeout})
			}
			return awserr.CredentialsError(ctx, err)
		})})
	}
	return out, nil
}

func isAccountID(s string) bool {
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

// client returns the ECS client of an account in a region.
func (s *Scanner) client(a *account, regionCode string) ECSAPI {
	if s.opts.ECSClient != nil {
		return s.opts.ECSClient(a.id, regionCode)
	}
	return ecs.NewFromConfig(awsConfigFor(s.cfg, regionCode, a.creds), append([]func(*ecs.Options){func(o *ecs.Options) {
		o.Retryer = awserr.NewRetryer(s.opts.RetryMaxAttempts, s.opts.RetryMaxBackoff)
		o.RetryMaxAttempts = 0
	}}, s.opts.ECSOptions...)...)
}

// pair is the scan of one account in one region.
type pair struct {
	sc       *scan
	a        *account
	r        region.Region
	api      ECSAPI
	mu       sync.Mutex
	uses     map[string][]string // task definition ARN → service ARNs
	services int
	found    []Container
	failures []Failure
}

func (p *pair) fail(action, resource string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, Failure{Account: p.a.id, Region: p.r.Code, Action: action, Resource: resource,
		Err: awserr.Classify(err, awserr.Call{Action: action, Resource: resource, OptIn: p.r.OptIn, Attempts: p.sc.s.opts.RetryMaxAttempts, Timeout: p.sc.s.opts.Timeout})})
}

// scanPair scans one account in one region and adds what it found to the report.
func (sc *scan) scanPair(ctx context.Context, a *account, r region.Region) {
	p := &pair{sc: sc, a: a, r: r, uses: map[string][]string{}}
	defer sc.add(p)
	if err := a.ready(ctx); err != nil {
		// Reported once per account (by add), for every region.
		p.failures = append(p.failures, Failure{Account: a.id, Action: "sts:AssumeRole", Resource: a.role, Err: err})
		return
	}
	ctx, cancel := context.WithTimeout(ctx, sc.s.opts.Timeout)
	defer cancel()
	p.api = sc.s.client(a, r.Code)

	var clusters []string
	pages := ecs.NewListClustersPaginator(p.api, &ecs.ListClustersInput{})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			p.fail("ecs:ListClusters", "*", err)
			return
		}
		clusters = append(clusters, out.ClusterArns...)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sc.s.opts.RegionConcurrency)
	for _, c := range clusters {
		g.Go(func() error {
			p.scanCluster(gctx, c)
			return nil
		})
	}
	_ = g.Wait()

	tds := make([]string, 0, len(p.uses))
	for td := range p.uses {
		tds = append(tds, td)
	}
	slices.Sort(tds)
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(sc.s.opts.RegionConcurrency)
	for _, td := range tds {
		g.Go(func() error {
			p.readTaskDefinition(gctx, td)
			return nil
		})
	}
	_ = g.Wait()
}

// scanCluster lists a cluster's services and describes them in batches, recording which
// task definitions they run.
func (p *pair) scanCluster(ctx context.Context, cluster string) {
	pages := ecs.NewListServicesPaginator(p.api, &ecs.ListServicesInput{Cluster: aws.String(cluster)})
	var arns []string
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			p.fail("ecs:ListServices", cluster, err)
			return
		}
		arns = append(arns, out.ServiceArns...)
	}
	for batch := range slices.Chunk(arns, maxBatch) {
		out, err := p.api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
		if err != nil {
			p.fail("ecs:DescribeServices", serviceResource(cluster), err)
			continue
		}
		p.mu.Lock()
		for _, svc := range out.Services {
			p.services++
			name := aws.ToString(svc.ServiceArn)
			tds := []string{aws.ToString(svc.TaskDefinition)}
			for _, d := range svc.Deployments {
				tds = append(tds, aws.ToString(d.TaskDefinition))
			}
			for _, td := range tds {
				if td != "" && !slices.Contains(p.uses[td], name) {
					p.uses[td] = append(p.uses[td], name)
				}
			}
		}
		p.mu.Unlock()
	}
}

// serviceResource is the ARN pattern of a cluster's services, for a failed
// DescribeServices: "arn:aws:ecs:us-west-2:111122223333:service/prod/*".
func serviceResource(cluster string) string {
	a, err := arn.Parse(cluster)
	if err != nil {
		return cluster
	}
	a.Resource = "service/" + strings.TrimPrefix(a.Resource, "cluster/") + "/*"
	return a.String()
}

// readTaskDefinition reads a task definition and records its Envoy containers.
func (p *pair) readTaskDefinition(ctx context.Context, td string) {
	out, err := p.api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(td)})
	if err != nil {
		p.fail("ecs:DescribeTaskDefinition", td, err)
		return
	}
	if out.TaskDefinition == nil {
		return
	}
	account := p.a.id
	if a, err := arn.Parse(td); err == nil {
		account = a.AccountID
	}
	p.mu.Lock()
	services := slices.Sorted(slices.Values(p.uses[td]))
	p.mu.Unlock()
	for _, c := range out.TaskDefinition.ContainerDefinitions {
		ref := aws.ToString(c.Image)
		img, ok, err := p.sc.s.opts.Matcher.Match(ref)
		if err != nil {
			p.mu.Lock()
			p.failures = append(p.failures, Failure{Account: account, Region: p.r.Code, Action: "ecs:DescribeTaskDefinition", Resource: td,
				Err: errcode.Wrap(appmeshenvoy.ErrInvalidImage, "container "+quote.Input(aws.ToString(c.Name))+" of "+td+": "+err.Error(), err)})
			p.mu.Unlock()
			continue
		}
		if !ok {
			continue
		}
		latest := p.sc.latestFor(ctx, p.r)
		p.mu.Lock()
		p.found = append(p.found, Container{
			Platform: PlatformECS, Account: account, Region: p.r.Code, TaskDefinition: td, Services: services,
			Name: aws.ToString(c.Name), Reference: ref, Image: img, Source: SourceOf(img),
			Latest: latest.img, LatestSource: latest.source, Verdicts: Assess(img, latest.img),
		})
		p.mu.Unlock()
	}
}

// latestFor returns the image a region's containers are compared with, asking
// Options.Latest once per region and scan. Where it fails, the final release is used;
// a missing parameter is expected (App Mesh is discontinued), any other failure is
// reported once.
func (sc *scan) latestFor(ctx context.Context, r region.Region) latestImage {
	sc.mu.Lock()
	get, ok := sc.latest[r.Code]
	if !ok {
		get = sync.OnceValue(func() latestImage {
			// Not cut short by the first caller's pair timeout: other pairs share the answer.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sc.s.opts.Timeout)
			defer cancel()
			res, err := sc.s.opts.Latest(ctx, r.Code)
			if err == nil {
				return latestImage{res.Image, res.Source}
			}
			if !errors.Is(err, appmeshenvoy.ErrParameterNotFound) {
				sc.mu.Lock()
				sc.report.Failures = append(sc.report.Failures, Failure{Region: r.Code, Action: "ssm:GetParameter", Resource: r.ParameterARN(), Err: err})
				sc.mu.Unlock()
			}
			return latestImage{FinalImage(r.Code), appmeshenvoy.SourceBuiltin}
		})
		sc.latest[r.Code] = get
	}
	sc.mu.Unlock()
	return get()
}

// add merges a pair's results into the report, reporting an account's failed role once.
func (sc *scan) add(p *pair) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.done++
	sc.report.Scanned++
	sc.report.Services += p.services
	sc.report.Containers = append(sc.report.Containers, p.found...)
	for _, f := range p.failures {
		if f.Region == "" && slices.ContainsFunc(sc.report.Failures, func(g Failure) bool {
			return g.Region == "" && g.Account == f.Account && g.Resource == f.Resource
		}) {
			continue
		}
		sc.report.Failures = append(sc.report.Failures, f)
	}
	if sc.s.opts.Progress != nil {
		sc.s.opts.Progress(Progress{Done: sc.done, Total: sc.total, Containers: len(sc.report.Containers), Failures: len(sc.report.Failures)})
	}
}

func (sc *scan) sort() {
	slices.SortFunc(sc.report.Containers, func(a, b Container) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.TaskDefinition, b.TaskDefinition), cmp.Compare(a.Name, b.Name))
	})
	slices.SortStableFunc(sc.report.Failures, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.Action, b.Action), cmp.Compare(a.Resource, b.Resource))
	})
}
