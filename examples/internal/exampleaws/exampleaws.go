// Package exampleaws gives the example programs of this module their AWS configuration,
// so that each example's main.go shows only its task.
//
// Every example runs against real AWS by default and against an in-process local AWS
// endpoint (package appmeshenvoytest) with -local. Against real AWS, [Flags.Config] is
// just
//
//	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
//
// which is the line to use when you copy an example into your own program.
package exampleaws

import (
	"context"
	"flag"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// Flags holds the flags every example shares. The zero value means real AWS.
type Flags struct {
	// Local selects an in-process local AWS endpoint with its static test credentials
	// instead of AWS (flag -local).
	Local bool
	// EndpointURL, if not empty, sends every AWS request to this URL, such as the one
	// "appmesh-envoy local-endpoint" prints (flag -endpoint-url). It is ignored with Local.
	EndpointURL string
}

// AddFlags registers -local and -endpoint-url on the program's default flag set; call it
// before flag.Parse.
func AddFlags() *Flags {
	f := &Flags{}
	flag.BoolVar(&f.Local, "local", false, "use an in-process local AWS endpoint (test credentials) instead of AWS")
	flag.StringVar(&f.EndpointURL, "endpoint-url", "", "send AWS requests to this `URL` (such as appmesh-envoy local-endpoint's)")
	return f
}

// Config returns the AWS configuration of an example and a function that releases it.
//
// With Local it starts an appmeshenvoytest server, lets each setup function prepare it
// (add a role, fail a region, ...), and returns the server's configuration for region
// (us-west-2 when region is empty): static test credentials, BaseEndpoint the server. It
// never reads the AWS configuration of the machine, so it never probes EC2 instance
// metadata. Otherwise it loads the default configuration (environment, shared files, SSO,
// instance roles) with region, if not empty, overriding the configured one.
func (f *Flags) Config(ctx context.Context, region string, setup ...func(*appmeshenvoytest.Server)) (aws.Config, func(), error) {
	if f.Local {
		// Belt and braces: nothing in local mode may reach instance metadata.
		os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		if region == "" {
			region = "us-west-2"
		}
		srv := appmeshenvoytest.NewServer()
		for _, s := range setup {
			s(srv)
		}
		return srv.Config(region), srv.Close, nil
	}
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, nil, err
	}
	if f.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(f.EndpointURL)
	}
	return cfg, func() {}, nil
}
