package main

import (
	"context"
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// regionJSON is one row of 'regions -o json'. The keys are stable.
type regionJSON struct {
	Code                  string `json:"code"`
	Name                  string `json:"name"`
	Partition             string `json:"partition"`
	Account               string `json:"account"`
	OptIn                 bool   `json:"optIn"`
	FIPS                  bool   `json:"fips"`
	RegistryHost          string `json:"registryHost"`
	FIPSRegistryHost      string `json:"fipsRegistryHost,omitempty"`
	DualStackRegistryHost string `json:"dualStackRegistryHost,omitempty"`
	RepositoryURI         string `json:"repositoryUri"`
	RepositoryARN         string `json:"repositoryArn"`
	ParameterARN          string `json:"parameterArn"`
	ConsoleURL            string `json:"consoleUrl"`
}

func runRegions(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("regions", "[--partition ID] [-o table|json|code]",
		`Lists the regions the App Mesh Envoy image is published in, with the registry account,
partition, opt-in status and FIPS availability of each. Works offline: the data is the
region table of package region. A partition without such a region (aws-us-gov, the ISO
partitions) gives an empty list, exit status 0, and a note on stderr.

JSON keys (stable): code, name, partition, account, optIn, fips, registryHost,
fipsRegistryHost and dualStackRegistryHost (when the region has one), repositoryUri,
repositoryArn, parameterArn, consoleUrl.`,
		`appmesh-envoy regions --partition aws -o json`,
		"table", "json", "code")
	partition := c.String("partition", "", "only regions of partition `ID` (aws, aws-cn, ...)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("regions takes no arguments, got %q", pos[0])
	}
	regions := region.All()
	if *partition != "" {
		regions, err = region.InPartition(*partition)
		if err != nil {
			return usageError{err}
		}
		if len(regions) == 0 {
			p, _ := region.LookupPartition(*partition)
			fmt.Fprintf(a.stderr, "note: partition %s is valid, but no region of it has a public App Mesh Envoy image (AWS publishes no registry account there); mirror the image into your own ECR repository and use that\n", p.ID)
		}
	}
	switch a.g.output {
	case "json":
		out := make([]regionJSON, 0, len(regions))
		for _, r := range regions {
			out = append(out, regionJSON{
				Code: r.Code, Name: r.Name, Partition: r.Partition.ID, Account: r.Account,
				OptIn: r.OptIn, FIPS: r.FIPS,
				RegistryHost: r.RegistryHost(), FIPSRegistryHost: r.FIPSRegistryHost(),
				DualStackRegistryHost: r.DualStackRegistryHost(),
				RepositoryURI:         r.RepositoryURI(), RepositoryARN: r.RepositoryARN(),
				ParameterARN: r.ParameterARN(), ConsoleURL: r.ConsoleURL(),
			})
		}
		return writeJSON(a.stdout, out)
	case "code":
		for _, r := range regions {
			if _, err := a.stdout.Write([]byte(r.Code + "\n")); err != nil {
				return err
			}
		}
		return nil
	}
	t := newTable("CODE", "NAME", "PARTITION", "ACCOUNT", "OPT-IN", "FIPS")
	for _, r := range regions {
		t.add(r.Code, r.Name, r.Partition.ID, r.Account, yesNo(r.OptIn), yesNo(r.FIPS))
	}
	return t.write(a.stdout)
}
