package appmeshenvoy_test

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// rsSSM is a function-field fake of GetParameterAPI that counts calls per region.
type rsSSM struct {
	fn    func(ctx context.Context, region string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error)
	mu    sync.Mutex
	calls map[string]int
	total atomic.Int64
}

func (m *rsSSM) client(region string) appmeshenvoy.GetParameterAPI {
	return rsSSMRegion{m, region}
}

func (m *rsSSM) count(region string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[region]
}

type rsSSMRegion struct {
	m      *rsSSM
	region string
}

func (c rsSSMRegion) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	c.m.mu.Lock()
	if c.m.calls == nil {
		c.m.calls = map[string]int{}
	}
	c.m.calls[c.region]++
	c.m.mu.Unlock()
	c.m.total.Add(1)
	return c.m.fn(ctx, c.region, in)
}

// rsValue answers with the same tag in every region, from the region's official host.
func rsValue(tag string) func(context.Context, string, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
	return func(_ context.Context, code string, _ *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		return rsOut(region.MustLookup(code).RepositoryURI() + ":" + tag), nil
	}
}

func rsOut(value string) *ssm.GetParameterOutput {
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: aws.String(region.ParameterName), Value: aws.String(value)}}
}

// rsECR is a function-field fake of BatchGetImageAPI.
type rsECR struct {
	fn    func(ctx context.Context, region string, in *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error)
	calls atomic.Int64
	last  atomic.Pointer[ecr.BatchGetImageInput]
}

func (m *rsECR) client(region string) appmeshenvoy.BatchGetImageAPI { return rsECRRegion{m, region} }

type rsECRRegion struct {
	m      *rsECR
	region string
}

func (c rsECRRegion) BatchGetImage(ctx context.Context, in *ecr.BatchGetImageInput, _ ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
	c.m.calls.Add(1)
	c.m.last.Store(in)
	return c.m.fn(ctx, c.region, in)
}

// rsClock is a settable clock.
type rsClock struct {
	mu  sync.Mutex
	now time.Time
}

func newRSClock() *rsClock { return &rsClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *rsClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *rsClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newMockResolver returns a resolver over the fakes, with no real clients.
func newMockResolver(s *rsSSM, e *rsECR, opts ...func(*appmeshenvoy.ResolverOptions)) *appmeshenvoy.Resolver {
	return appmeshenvoy.NewResolver(aws.Config{}, append([]func(*appmeshenvoy.ResolverOptions){func(o *appmeshenvoy.ResolverOptions) {
		if s != nil {
			o.SSMClientForRegion = s.client
		}
		if e != nil {
			o.ECRClientForRegion = e.client
		}
	}}, opts...)...)
}
