package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/rewrite"
)

func runRewrite(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("rewrite", "--to REPO [--format auto|kubernetes|ecs] [--diff | --in-place] FILE... | -",
		`Points the image of every Envoy container (containers and init containers) at your mirror
REPO, pinned by the digest read from the mirror, and changes nothing else.

Input: Kubernetes manifests (YAML or JSON, several documents, comments, anchors, List
kinds), or an ECS task definition as 'aws ecs describe-task-definition' prints it. Only the
bytes of each Envoy image value change: comments, key order, quoting and formatting stay,
and strings elsewhere that merely look like the reference (annotations, environment
values) are not touched. A task definition comes out ready for
'aws ecs register-task-definition --cli-input-json file://FILE': the object under
taskDefinition, without the read-only fields (taskDefinitionArn, revision, status,
requiresAttributes, compatibilities, registeredAt, registeredBy, deregisteredAt,
deleteRequestedAt), with the tags of --include TAGS.

REPO is host/path without tag; {region} in it stands for each image's region (--region for
images whose registry names none, such as the public gallery). Each image keeps its tag and
gets the digest that tag has in the mirror; the mirror must hold the image (copy it first),
and a missing image is an error that names it. Supported today: ECR mirrors
(<account>.dkr.ecr.<region>.amazonaws.com/..., read with ecr:BatchGetImage); other
registries need the registry access that the mirror command brings.

Output: the rewritten document on stdout (one FILE), a unified diff (--diff), or the files
replaced atomically with a backup FILE.bak (--in-place; --backup-suffix to change it). A
file without Envoy image is reported on stderr and left unchanged. Every file is read and
rewritten before any is written: on an error none is.

Exit status: 1 when an operation failed (the mirror has no such image, access denied), 2
for bad usage or input (malformed YAML or JSON, a task definition without containers, an
image that cannot be rewritten: the error names the file, line and column).`,
		`appmesh-envoy rewrite --to 111122223333.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy --diff k8s/*.yaml
aws ecs describe-task-definition --task-definition web --include TAGS > web.json
appmesh-envoy rewrite --to 111122223333.dkr.ecr.{region}.amazonaws.com/mirror/aws-appmesh-envoy web.json > web-mirror.json
aws ecs register-task-definition --cli-input-json file://web-mirror.json`)
	to := c.String("to", "", "mirror repository `REPO` (host/path; {region} allowed)")
	format := c.String("format", "auto", "input `FORMAT`: auto, kubernetes or ecs (auto: a JSON object with taskDefinition or containerDefinitions is ecs)")
	diff := c.Bool("diff", false, "print a unified diff instead of the rewritten document")
	inPlace := c.Bool("in-place", false, "replace each FILE atomically, keeping a backup")
	suffix := c.String("backup-suffix", ".bak", "backup file name `SUFFIX` for --in-place (empty: no backup)")
	var mirrors stringList
	c.Var(&mirrors, "mirror", "also count images of your repository `REPO` (host/path; {region} allowed) as Envoy (repeatable)")
	files, err := c.parse(args)
	if err != nil {
		return err
	}
	switch {
	case *to == "":
		return usageErrorf("rewrite: --to REPO is required (your mirror repository, such as 111122223333.dkr.ecr.{region}.amazonaws.com/aws-appmesh-envoy)")
	case len(files) == 0:
		return usageErrorf("rewrite: name the files to rewrite, or - for standard input")
	case *diff && *inPlace:
		return usageErrorf("rewrite: --diff and --in-place exclude each other")
	case len(files) > 1 && !*diff && !*inPlace:
		return usageErrorf("rewrite: with several files, use --diff or --in-place")
	case *inPlace && slices.Contains(files, "-"):
		return usageErrorf("rewrite: --in-place cannot write standard input")
	case *format != "auto" && *format != "kubernetes" && *format != "ecs":
		return usageErrorf("rewrite: --format %q is not one of auto, kubernetes, ecs", *format)
	}
	regionCode, err := a.oneRegion("rewrite")
	if err != nil {
		return err
	}
	repo, err := appmeshenvoy.ParseRepository(strings.ReplaceAll(*to, "{region}", "us-west-2"))
	if err != nil || repo.Registry.Public {
		return usageErrorf("rewrite: --to %q: supported today are ECR private repositories (<account>.dkr.ecr.<region>.amazonaws.com/<name>); other registries need the registry access that the mirror command brings", *to)
	}
	pin := a.lazyPinner(ctx)
	rw, err := rewrite.New(*to, pin, func(o *rewrite.Options) {
		o.Matcher = inventory.Matcher{Mirrors: mirrors}
		o.Region = regionCode
	})
	if err != nil {
		return usageError{err}
	}

	type done struct {
		name    string
		in, out []byte
		changes int
	}
	var results []done
	for _, f := range files {
		data, err := a.readInput(f, inventory.MaxManifestSize)
		if err != nil {
			return err
		}
		var res rewrite.Result
		if *format == "ecs" || (*format == "auto" && looksLikeTaskDefinition(data)) {
			res, err = rw.TaskDefinition(ctx, f, data)
		} else {
			res, err = rw.Kubernetes(ctx, f, data)
		}
		if err != nil {
			if appmeshenvoy.CodeOf(err).Input() {
				return usageError{err}
			}
			return err
		}
		results = append(results, done{name: f, in: data, out: res.Output, changes: len(res.Changes)})
	}
	for _, r := range results {
		if r.changes == 0 {
			fmt.Fprintf(a.stderr, "%s: %s: no Envoy image; unchanged\n", progName, r.name)
		}
		switch {
		case *diff:
			fmt.Fprint(a.stdout, rewrite.Diff(r.name, r.in, r.out))
		case *inPlace:
			if r.changes == 0 {
				continue
			}
			if err := rewrite.WriteFile(r.name, r.out, *suffix); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "%s: %s: %d Envoy image(s) rewritten\n", progName, r.name, r.changes)
		default:
			if _, err := a.stdout.Write(r.out); err != nil {
				return err
			}
		}
	}
	return nil
}

// looksLikeTaskDefinition reports a JSON object whose top level has taskDefinition or
// containerDefinitions.
func looksLikeTaskDefinition(data []byte) bool {
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	var top map[string]any
	if err := json.Unmarshal(t, &top); err != nil {
		return false
	}
	_, a := top["taskDefinition"]
	_, b := top["containerDefinitions"]
	return a || b
}

// lazyPinner returns a Pinner that loads the AWS configuration and checks the
// credentials at its first call, so that input without Envoy image needs none.
func (a *app) lazyPinner(ctx context.Context) rewrite.PinFunc {
	var once sync.Once
	var res *appmeshenvoy.Resolver
	var cfgErr error
	return func(pctx context.Context, img appmeshenvoy.Image) (appmeshenvoy.Image, error) {
		once.Do(func() {
			cfg, err := a.loadConfig(ctx, img.Region())
			if err == nil {
				err = a.checkCredentials(ctx, cfg)
			}
			if err != nil {
				cfgErr = err
				return
			}
			res = appmeshenvoy.NewResolver(cfg, func(o *appmeshenvoy.ResolverOptions) {
				o.CacheTTL = 0
				o.ECROptions = a.ecrOptions()
			})
		})
		if cfgErr != nil {
			return appmeshenvoy.Image{}, cfgErr
		}
		return res.Pin(pctx, img)
	}
}
