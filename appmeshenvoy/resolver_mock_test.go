package appmeshenvoy_test

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// rsSSM drives the exported SSM fake with a function that also gets the region of the
// call (appmeshenvoytest.SSMRegion).
type rsSSM struct {
	fn   func(ctx context.Context, region string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error)
	once sync.Once
	fake *appmeshenvoytest.SSM
}

func (m *rsSSM) client(string) appmeshenvoy.GetParameterAPI {
	m.once.Do(func() {
		m.fake = &appmeshenvoytest.SSM{GetParameterFunc: func(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
			return m.fn(ctx, appmeshenvoytest.SSMRegion(optFns...), in)
		}}
	})
	return m.fake
}

// count returns the number of calls made in region.
func (m *rsSSM) count(region string) int {
	n := 0
	for _, c := range m.calls() {
		if c.Region == region {
			n++
		}
	}
	return n
}

func (m *rsSSM) calls() []appmeshenvoytest.Call {
	m.client("")
	return m.fake.Calls()
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

// rsECR drives the exported ECR fake with a function that also gets the region of the
// call.
type rsECR struct {
	fn   func(ctx context.Context, region string, in *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error)
	once sync.Once
	fake *appmeshenvoytest.ECR
}

func (m *rsECR) client(string) appmeshenvoy.BatchGetImageAPI {
	m.once.Do(func() {
		m.fake = &appmeshenvoytest.ECR{BatchGetImageFunc: func(ctx context.Context, in *ecr.BatchGetImageInput, optFns ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
			return m.fn(ctx, appmeshenvoytest.ECRRegion(optFns...), in)
		}}
	})
	return m.fake
}

// inputs returns the inputs of the calls so far.
func (m *rsECR) inputs() []*ecr.BatchGetImageInput {
	m.client("")
	return appmeshenvoytest.InputsOf[*ecr.BatchGetImageInput](m.fake.Calls())
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

// awsRegionCodes is every region of the aws partition, as callers of LatestAll name them.
func awsRegionCodes() []string {
	regs, err := region.Select(region.Selection{All: true, Partition: region.PartitionAWS})
	if err != nil {
		panic(err)
	}
	return region.Codes(regs)
}
