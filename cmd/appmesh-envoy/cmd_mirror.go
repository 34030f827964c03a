package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
)

// mirrorJSON is one element of 'mirror -o json': one destination and tag. The keys are
// stable.
type mirrorJSON struct {
	Region      string `json:"region,omitempty"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Tag         string `json:"tag"`
	// Image is destination:tag@digest, ready to paste into a task definition.
	Image string `json:"image,omitempty"`
	// Status is copied, up-to-date, moved, planned (--dry-run), failed, or with
	// --all-regions not-enabled (an opt-in region the account has not enabled).
	Status            string `json:"status"`
	RepositoryCreated bool   `json:"repositoryCreated"`
	BlobsCopied       int    `json:"blobsCopied"`
	BlobsMounted      int    `json:"blobsMounted"`
	BlobsSkipped      int    `json:"blobsSkipped"`
	BytesCopied       int64  `json:"bytesCopied"`
	Manifests         int    `json:"manifests"`
	Verified          bool   `json:"verified"`
	Code              string `json:"code,omitempty"`
	Error             string `json:"error,omitempty"`
}

// repositoryTags is the repeatable --repository-tag KEY=VALUE.
type repositoryTags map[string]string

func (t *repositoryTags) String() string {
	var kv []string
	for k, v := range *t {
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

func (t *repositoryTags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	if *t == nil {
		*t = repositoryTags{}
	}
	(*t)[k] = val
	return nil
}

func runMirror(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("mirror", "--region R | --all-regions [--partition ID]  --to REPOSITORY... [--tag T]... [flags]",
		`Copies the App Mesh Envoy image of a region (its AWS registry; --from-gallery: the public
gallery) into your own repositories, exactly: the index and every manifest byte for byte,
so the digest stays the same, and every blob digest-verified. The latest image of the
region is copied unless --tag names tags; --fips adds the -prod-fips variant.

--to is repeatable. A destination may carry {region} in its host or path, such as
111122223333.dkr.ecr.{region}.amazonaws.com/platform/envoy; with --all-regions (every region
of one partition) every destination needs it. ECR destinations use ECR tokens; other
registries the docker config's credentials.

Idempotent: blobs already there are skipped (or mounted within one ECR registry), a tag
already at the source digest is up-to-date, and a second run makes one request per
destination. A tag at another digest is an error (--force moves it where tags are
mutable). The tag is written last. --verify re-reads everything from each destination.
--create-repository creates missing ECR repositories: immutable tags (--mutable-tags to
change), AES256 (--kms-key KEY for KMS), --repository-tag K=V; no repository-level scan
on push (ECR deprecated it for registry-level scanning).

Image signatures and referrers are not copied.

Registry traffic follows --endpoint-url (the local endpoint serves every AWS registry)
and --registry-endpoint HOST=URL; each override is printed on stderr as HOST → URL. An
ECR token from real AWS goes to an overridden URL only when --endpoint-url overrides the
ECR API too, or with --trust-registry-endpoint. Progress goes to stderr when it is a
terminal. Every destination is printed, then the exit status is 1 if any failed.

JSON keys (stable), one object per destination and tag: region, source, destination,
tag, image (destination:tag@digest), status (copied, up-to-date, moved, planned,
failed; with --all-regions not-enabled for an opt-in region the account has not
enabled, which does not fail the run), repositoryCreated, blobsCopied, blobsMounted, blobsSkipped, bytesCopied,
manifests, verified, code and error (when it failed).`,
		`appmesh-envoy mirror --region us-west-2 --to 111122223333.dkr.ecr.us-west-2.amazonaws.com/platform/envoy --create-repository
appmesh-envoy mirror --all-regions --fips --to 111122223333.dkr.ecr.{region}.amazonaws.com/platform/envoy --dry-run
appmesh-envoy --endpoint-url http://127.0.0.1:4566 mirror --region us-west-2 --to 123456789012.dkr.ecr.us-west-2.amazonaws.com/mirror/envoy --create-repository`,
		"table", "json")
	var to, tags stringList
	var repoTags repositoryTags
	c.Var(&to, "to", "destination `REPOSITORY` (repeatable; {region} allowed in host or path)")
	c.Var(&tags, "tag", "Envoy `TAG` to copy (repeatable; default: the region's latest)")
	all := c.Bool("all-regions", false, "every region of the partition (each destination needs {region})")
	partition := c.String("partition", "", "partition `ID` for --all-regions (aws, aws-cn)")
	fips := c.Bool("fips", false, "add the -prod-fips variant of each tag, where one is published")
	gallery := c.Bool("from-gallery", false, "copy from public.ecr.aws/appmesh/aws-appmesh-envoy instead of the region's registry")
	create := c.Bool("create-repository", false, "create missing ECR destination repositories")
	mutable := c.Bool("mutable-tags", false, "with --create-repository: mutable tags (default immutable)")
	kmsKey := c.String("kms-key", "", "with --create-repository: encrypt with KMS `KEY` (ARN, ID, alias; aws/ecr for the AWS managed key)")
	c.Var(&repoTags, "repository-tag", "with --create-repository: resource tag `KEY=VALUE` (repeatable)")
	dryRun := c.Bool("dry-run", false, "print the plan (repositories to create, blobs and bytes to copy, tags to write); write nothing")
	force := c.Bool("force", false, "move a destination tag that points at another digest (mutable repositories only)")
	verify := c.Bool("verify", false, "re-read every manifest and blob from each destination")
	trust := c.Bool("trust-registry-endpoint", false, "send ECR tokens from real AWS to --registry-endpoint URLs")
	concurrency := c.Int("concurrency", mirror.DefaultConcurrency, "blobs transferred at `N` at once")
	timeout := c.Duration("timeout", 0, "overall time limit (default none; each request has an idle timeout)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("mirror takes no arguments, got %q; name destinations with --to", pos[0])
	}
	if len(to) == 0 {
		return usageErrorf("mirror needs at least one --to REPOSITORY, such as --to 111122223333.dkr.ecr.us-west-2.amazonaws.com/platform/envoy")
	}
	if !*create && (*mutable || *kmsKey != "" || len(repoTags) > 0) {
		return usageErrorf("--mutable-tags, --kms-key and --repository-tag go with --create-repository")
	}
	cfg, err := a.loadConfig(ctx, "")
	if err != nil {
		return err
	}
	var codes []string
	if len(a.g.regions) > 0 || *all || cfg.Region != "" || !*gallery || len(tags) == 0 {
		if codes, err = a.selectRegions(cfg.Region, *all, *partition); err != nil {
			return err
		}
		cfg.Region = codes[0]
	}
	req := mirror.Request{Regions: codes, Tags: tags, FIPS: *fips, FromGallery: *gallery, Destinations: to,
		Force: *force, Verify: *verify, DryRun: *dryRun}
	if *create {
		req.Create = &mirror.RepositorySettings{MutableTags: *mutable, KMSKey: *kmsKey, Tags: repoTags}
	}
	if a.needsAWS(req) {
		if err := a.checkCredentials(ctx, cfg); err != nil {
			return err
		}
	}
	var progress *progressPrinter
	if terminal(a.stderr) && a.g.output != "json" {
		progress = &progressPrinter{w: a.stderr, last: map[string]time.Time{}}
	}
	m := mirror.New(cfg, func(o *mirror.Options) {
		o.SSMOptions = a.ssmOptions()
		o.ECROptions = a.ecrOptions()
		o.AWSRegistryEndpoint = a.awsEndpoint(cfg)
		o.RegistryEndpoints = a.g.registryEndpoints
		o.TrustRegistryEndpoints = *trust
		o.Concurrency = *concurrency
		o.OnEndpoint = func(host, url string) { fmt.Fprintf(a.stderr, "%s → %s\n", host, url) }
		if progress != nil {
			o.Progress = progress.report
		}
		if a.g.debug {
			o.Logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	})
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	results, err := m.Copy(ctx, req)
	if err != nil && len(results) == 0 {
		if appmeshenvoy.CodeOf(err).Input() {
			return usageError{err}
		}
		return err
	}
	rows := make([]mirrorJSON, len(results))
	failed := 0
	for i, r := range results {
		rows[i] = mirrorRow(r, *all)
		if rows[i].Status == string(mirror.StatusFailed) {
			failed++
		}
	}
	if err := a.printMirror(rows); err != nil {
		return err
	}
	switch {
	case err != nil:
		return fmt.Errorf("mirror stopped: %w; run it again to finish (blobs already copied are kept)", err)
	case failed > 0:
		return fmt.Errorf("%d of %d destinations failed (see above); fix what their errors say and run again: finished work is kept", failed, len(rows))
	}
	return nil
}

// needsAWS reports whether a request makes AWS calls (and so needs credentials): an ECR
// source or destination, the latest tag (SSM), or repository creation.
func (a *app) needsAWS(req mirror.Request) bool {
	if !req.FromGallery || len(req.Tags) == 0 || req.Create != nil {
		return true
	}
	for _, d := range req.Destinations {
		if strings.Contains(d, ".dkr.ecr") || strings.Contains(d, ".dkr-ecr") {
			return true
		}
	}
	return false
}

// mirrorRow turns a result into its output row. With allRegions, an opt-in region the
// account has not enabled is "not-enabled" rather than "failed", as in 'image'.
func mirrorRow(r mirror.Result, allRegions bool) mirrorJSON {
	row := mirrorJSON{Region: r.Region, Source: r.Source.String(), Destination: r.Destination, Tag: r.Tag,
		Status: string(r.Status), RepositoryCreated: r.RepositoryCreated, BlobsCopied: r.BlobsCopied,
		BlobsMounted: r.BlobsMounted, BlobsSkipped: r.BlobsSkipped, BytesCopied: r.BytesCopied,
		Manifests: r.Manifests, Verified: r.Verified}
	if r.Image.Digest != "" {
		row.Image = r.Image.String()
	}
	if r.Err != nil {
		row.Code = string(appmeshenvoy.CodeOf(r.Err))
		row.Error = oneLine(r.Err.Error())
		if allRegions && errors.Is(r.Err, appmeshenvoy.ErrRegionNotEnabled) {
			row.Status = statusNotEnabled
		}
	}
	return row
}

func (a *app) printMirror(rows []mirrorJSON) error {
	if a.g.output == "json" {
		return writeJSON(a.stdout, rows)
	}
	t := newTable("DESTINATION", "TAG", "STATUS", "NEW REPO", "BLOBS COPIED/MOUNTED/SKIPPED", "BYTES", "IMAGE")
	for _, r := range rows {
		what := r.Image
		if r.Status == string(mirror.StatusFailed) {
			what = r.Code + ": " + r.Error
		}
		newRepo := ""
		if r.RepositoryCreated {
			newRepo = "yes"
		}
		t.add(r.Destination, r.Tag, r.Status, newRepo,
			strconv.Itoa(r.BlobsCopied)+"/"+strconv.Itoa(r.BlobsMounted)+"/"+strconv.Itoa(r.BlobsSkipped),
			humanBytes(r.BytesCopied), what)
	}
	return t.write(a.stdout)
}

// humanBytes prints n in B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if f < unit {
			break
		}
		f, suffix = f/unit, s
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + suffix
}

// terminal reports whether w (the redacting stderr) writes to a terminal.
func terminal(w io.Writer) bool {
	if rw, ok := w.(*redactWriter); ok {
		w = rw.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressPrinter prints one line per destination at most every second, and its last.
type progressPrinter struct {
	w    io.Writer
	mu   sync.Mutex
	last map[string]time.Time
}

func (p *progressPrinter) report(pr mirror.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := pr.Destination + ":" + pr.Tag
	now := time.Now()
	if !pr.Done && now.Sub(p.last[key]) < time.Second {
		return
	}
	p.last[key] = now
	state := ""
	if pr.Done {
		state = "  " + string(pr.Status)
	}
	fmt.Fprintf(p.w, "%s  blobs %d/%d  %s/%s%s\n", key, pr.BlobsDone, pr.BlobsTotal, humanBytes(pr.BytesDone), humanBytes(pr.BytesTotal), state)
}
