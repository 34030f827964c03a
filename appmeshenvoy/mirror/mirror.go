package mirror

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/ecrkeychain"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Copier copies the Envoy image into destination registries. Create it with [New]; the
// zero value is not usable (its Copy returns an error with code not-initialized). A
// Copier is safe for concurrent use; it caches ECR tokens, registry credentials and
// clients between calls.
type Copier struct {
	cfg     aws.Config
	opts    Options
	reg     *registry.Client
	initErr error
	// ecrAPIOverridden: the ECR API has a BaseEndpoint, so its tokens are not real AWS's.
	ecrAPIOverridden bool
	// endpointOf maps an ECR host whose traffic is overridden to its URL.
	endpointOf func(host string) (string, bool)

	progressMu sync.Mutex

	mu         sync.Mutex
	ecrClients map[string]RepositoryAPI
}

// errNotInitialized is the error of a zero Copier.
var errNotInitialized = errcode.New(errcode.NotInitialized, "mirror: the Copier is not initialized; create it with mirror.New(cfg)")

// New returns a Copier that uses cfg's credentials for ECR (tokens, repository
// creation) and SSM (the latest tag). An option that is invalid (an endpoint that is
// not an http(s) URL, plain http to a host that is not loopback, an unreadable
// AWS_CA_BUNDLE) makes every Copy return that error.
func New(cfg aws.Config, optFns ...func(*Options)) *Copier {
	o := Options{Concurrency: DefaultConcurrency, IdleTimeout: DefaultIdleTimeout}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Concurrency < 1 {
		o.Concurrency = DefaultConcurrency
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Keychain == nil {
		o.Keychain = authn.DefaultKeychain
	}
	if o.TokenProvider == nil {
		o.TokenProvider = appmeshenvoy.NewTokenProvider(cfg, func(t *appmeshenvoy.TokenOptions) {
			t.ECROptions = o.ECROptions
			t.Logger = o.Logger
		})
	}
	if o.Resolver == nil {
		o.Resolver = appmeshenvoy.NewResolver(cfg, func(r *appmeshenvoy.ResolverOptions) {
			r.SSMOptions = o.SSMOptions
			r.ECROptions = o.ECROptions
			r.Logger = o.Logger
		})
	}
	m := &Copier{cfg: cfg, opts: o, ecrClients: map[string]RepositoryAPI{}}
	m.ecrAPIOverridden = ecr.NewFromConfig(cfg, o.ECROptions...).Options().BaseEndpoint != nil
	m.reg, m.initErr = m.newRegistryClient()
	return m
}

// newRegistryClient builds the registry client of the options.
func (m *Copier) newRegistryClient() (*registry.Client, error) {
	o := m.opts
	overrides, awsURL, err := registry.ParseEndpoints(o.RegistryEndpoints, o.AWSRegistryEndpoint)
	if err != nil {
		return nil, err
	}
	m.endpointOf = func(host string) (string, bool) {
		if u, ok := overrides[host]; ok {
			return u.String(), true
		}
		if awsURL != nil && isAWSHost(host) {
			return strings.TrimRight(awsURL.String(), "/") + "/" + host, true
		}
		return "", false
	}
	transport := o.Transport
	if transport == nil {
		transport = registry.TransportOf(m.cfg.HTTPClient)
	}
	keychain := authn.NewMultiKeychain(ecrkeychain.New(o.TokenProvider), o.Keychain)
	return registry.New(func(r *registry.Options) {
		r.Overrides = overrides
		r.AWSEndpoint = awsURL
		r.IsAWSHost = isAWSHost
		r.BasicFirst = isECRPrivate
		r.Keychain = keychain
		r.Transport = transport
		r.IdleTimeout = o.IdleTimeout
		r.Logger = o.Logger
		if o.OnEndpoint != nil {
			r.OnEndpoint = func(e registry.Endpoint) { o.OnEndpoint(e.Host, e.URL.String()) }
		}
	})
}

// isAWSHost reports an AWS registry host: ECR private or the public gallery.
func isAWSHost(h string) bool {
	if strings.Contains(h, ":") {
		return false
	}
	_, err := appmeshenvoy.ParseRegistryHost(h)
	return err == nil
}

// isECRPrivate reports an ECR private registry host, which takes Basic credentials.
func isECRPrivate(h string) bool {
	if strings.Contains(h, ":") {
		return false
	}
	r, err := appmeshenvoy.ParseRegistryHost(h)
	return err == nil && !r.Public
}

// Format prints a summary of m for every fmt verb, never its configuration: fmt would
// otherwise print the aws.Config's credentials (a static provider holds the secret
// access key).
func (m *Copier) Format(f fmt.State, _ rune) {
	if m == nil || m.reg == nil {
		_, _ = io.WriteString(f, "<uninitialized mirror.Copier>")
		return
	}
	_, _ = io.WriteString(f, "&mirror.Copier{credentials and configuration not shown}")
}

// CloseIdleConnections closes the registry connections the Copier keeps open for
// reuse. The Copier stays usable.
func (m *Copier) CloseIdleConnections() {
	if m != nil && m.reg != nil {
		m.reg.CloseIdleConnections()
	}
}

// group is the work of one source region: its source repository and destinations.
type group struct {
	region *region.Region // nil for a gallery source named without region
	src    registry.Repo
	dests  []destination
	tags   []string // explicit tags, canonical; empty: the latest
	fips   bool     // add the FIPS variant of each tag
}

// Copy runs req: for every source region and tag, it copies the image into every
// destination and returns one [Result] per destination and tag, in the order of the
// regions, tags and destinations. The error is for what fails the whole request: input
// that is wrong (returned before any request is made, with an input code; see
// [ErrInvalidRequest]) or a context that ended (the results then say how far each
// destination got). A destination that fails has its error in its Result; the others
// go on.
func (m *Copier) Copy(ctx context.Context, req Request) ([]Result, error) {
	if m == nil || m.reg == nil && m.initErr == nil {
		return nil, errNotInitialized
	}
	if m.initErr != nil {
		return nil, m.initErr
	}
	groups, err := m.groups(req)
	if err != nil {
		return nil, err
	}
	sem := semaphore.NewWeighted(int64(m.opts.Concurrency))
	out := make([][]Result, len(groups))
	var g errgroup.Group
	g.SetLimit(m.opts.Concurrency)
	for i, grp := range groups {
		g.Go(func() error {
			out[i] = m.runGroup(ctx, sem, grp, req)
			return nil
		})
	}
	_ = g.Wait()
	var results []Result
	for _, rs := range out {
		results = append(results, rs...)
	}
	return results, ctx.Err()
}

// groups checks req and splits it into groups, one per source region.
func (m *Copier) groups(req Request) ([]group, error) {
	invalid := func(msg string) error { return errcode.Wrap(ErrInvalidRequest, msg, nil) }
	if len(req.Destinations) == 0 {
		return nil, invalid("no destination: name at least one repository to copy the image into")
	}
	var regs []region.Region
	if len(req.Regions) > 0 {
		var err error
		if regs, err = region.Select(region.Selection{Codes: req.Regions}); err != nil {
			return nil, err
		}
	}
	templated := false
	for _, d := range req.Destinations {
		if HasRegion(d) {
			templated = true
		} else if len(regs) > 1 {
			return nil, errcode.Wrap(ErrInvalidDestination, "destination "+quote.Input(d)+" has no "+RegionPlaceholder+
				": with several source regions every destination needs one (as in 111122223333.dkr.ecr.{region}.amazonaws.com/envoy), since each region's copy is a separate image", nil)
		}
	}
	if len(regs) == 0 && (!req.FromGallery || len(req.Tags) == 0 || templated) {
		return nil, invalid("no source region: name the region whose image to copy (with the public gallery as source, a region is still needed for the latest tag and for " + RegionPlaceholder + ")")
	}
	var tags []string
	seen := map[string]bool{}
	for _, t := range req.Tags {
		v, err := appmeshenvoy.ParseVersion(strings.TrimSpace(t))
		if err != nil {
			return nil, errcode.Wrap(err, "tag "+quote.Input(t)+" is not an App Mesh Envoy tag (such as v1.39.1.0-prod): "+err.Error(), err)
		}
		if c := v.String(); !seen[c] {
			seen[c] = true
			tags = append(tags, c)
		}
	}
	if req.FIPS && len(regs) == 1 && !regs[0].FIPS {
		return nil, errcode.Wrap(appmeshenvoy.ErrFIPSUnavailable, "no FIPS image is published in "+regs[0].Code+"; drop the FIPS option or choose a region with FIPS images", nil)
	}
	var groups []group
	mk := func(r *region.Region) (group, error) {
		g := group{region: r, tags: tags}
		if req.FromGallery {
			g.src = registry.Repo{Host: appmeshenvoy.PublicRegistryHost, Name: strings.TrimPrefix(region.PublicRepository, appmeshenvoy.PublicRegistryHost+"/")}
		} else {
			g.src = registry.Repo{Host: r.RegistryHost(), Name: region.RepositoryName}
		}
		code, part := "", ""
		if r != nil {
			code, part = r.Code, r.Partition.ID
			g.fips = req.FIPS && r.FIPS
		} else {
			g.fips = req.FIPS
		}
		dup := map[string]bool{}
		for _, t := range req.Destinations {
			d, err := parseDestination(t, code)
			if err != nil {
				return g, err
			}
			if d.ecr != nil {
				if part == "" {
					part = d.ecr.Partition
				}
				if d.ecr.Partition != part {
					return g, errcode.Wrap(region.ErrMixedPartitions, "destination "+d.repo.String()+" is in partition "+d.ecr.Partition+", the source and the credentials in "+part+
						"; one set of credentials works in one partition: run once per partition", nil)
				}
			}
			if !dup[d.repo.String()] {
				dup[d.repo.String()] = true
				g.dests = append(g.dests, d)
			}
		}
		hosts := []string{}
		if !req.FromGallery {
			hosts = append(hosts, g.src.Host)
		}
		for _, d := range g.dests {
			if d.ecr != nil {
				hosts = append(hosts, d.repo.Host)
			}
		}
		for _, h := range hosts {
			if err := m.checkTokenEndpoint(h); err != nil {
				return g, err
			}
		}
		return g, nil
	}
	if len(regs) == 0 {
		g, err := mk(nil)
		if err != nil {
			return nil, err
		}
		return []group{g}, nil
	}
	for i := range regs {
		g, err := mk(&regs[i])
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// checkTokenEndpoint refuses to send an ECR token from real AWS to an overridden URL
// (DESIGN, "Registry traffic").
func (m *Copier) checkTokenEndpoint(host string) error {
	u, overridden := m.endpointOf(host)
	if !overridden || m.ecrAPIOverridden || m.opts.TrustRegistryEndpoints {
		return nil
	}
	return errcode.Wrap(ErrUntrustedEndpoint, "registry "+host+" → "+u+": its ECR token would come from real AWS (the ECR API is not overridden) "+
		"and go to that URL; point the ECR API at the endpoint that issues its tokens (--endpoint-url), or consent with --trust-registry-endpoint (Options.TrustRegistryEndpoints)", nil)
}

// runGroup copies every tag of one group.
func (m *Copier) runGroup(ctx context.Context, sem *semaphore.Weighted, g group, req Request) []Result {
	tags := g.tags
	code := ""
	if g.region != nil {
		code = g.region.Code
	}
	if len(tags) == 0 {
		img, err := m.opts.Resolver.Latest(ctx, code)
		if err != nil {
			return m.failAll(g, "", err)
		}
		tags = []string{img.Tag}
	}
	if g.fips {
		var with []string
		for _, t := range tags {
			with = append(with, t)
			if v, err := appmeshenvoy.ParseVersion(t); err == nil && !v.FIPS {
				v.FIPS = true
				if f := v.String(); !slices.Contains(tags, f) {
					with = append(with, f)
				}
			}
		}
		tags = with
	}
	var out []Result
	for _, tag := range tags {
		out = append(out, m.runJob(ctx, sem, g, tag, req)...)
	}
	return out
}

// failAll returns a failed result for every destination of g.
func (m *Copier) failAll(g group, tag string, err error) []Result {
	out := make([]Result, len(g.dests))
	for i, d := range g.dests {
		out[i] = m.newResult(g, d, tag)
		out[i].Status, out[i].Err = StatusFailed, err
	}
	return out
}

// newResult returns the result skeleton of one destination.
func (m *Copier) newResult(g group, d destination, tag string) Result {
	r := Result{Destination: d.repo.String(), Tag: tag,
		Source: appmeshenvoy.Image{Registry: g.src.Host, Repository: g.src.Name, Tag: tag},
		Image:  appmeshenvoy.Image{Registry: d.repo.Host, Repository: d.repo.Name, Tag: tag}}
	if g.region != nil {
		r.Region = g.region.Code
	}
	return r
}

// ecrClient returns the repository client of a region.
func (m *Copier) ecrClient(regionCode string) RepositoryAPI {
	if m.opts.ECRClientForRegion != nil {
		return m.opts.ECRClientForRegion(regionCode)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.ecrClients[regionCode]
	if !ok {
		fns := append([]func(*ecr.Options){func(o *ecr.Options) {
			o.Region = regionCode
			o.Retryer = awserr.NewRetryer(appmeshenvoy.DefaultRetryMaxAttempts, appmeshenvoy.DefaultRetryMaxBackoff)
		}}, m.opts.ECROptions...)
		c = ecr.NewFromConfig(m.cfg, fns...)
		m.ecrClients[regionCode] = c
	}
	return c
}

// report sends a progress report, one at a time.
func (m *Copier) report(p Progress) {
	if m.opts.Progress == nil {
		return
	}
	m.progressMu.Lock()
	defer m.progressMu.Unlock()
	m.opts.Progress(p)
}
