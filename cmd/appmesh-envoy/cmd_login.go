package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// loginJSON is one element of 'login -o json'. It never holds the password.
type loginJSON struct {
	Registry     string   `json:"registry"`
	Username     string   `json:"username"`
	ExpiresAt    string   `json:"expiresAt"`
	DockerConfig string   `json:"dockerConfig"`
	Notes        []string `json:"notes,omitempty"`
}

// logoutJSON is one element of 'logout -o json'. The keys are stable.
type logoutJSON struct {
	Registry     string `json:"registry"`
	DockerConfig string `json:"dockerConfig"`
}

// registryFlags are the flags login and logout share.
type registryFlags struct {
	registries   registryList
	dockerConfig nonEmpty
	skipHelpers  bool
}

// registryList is the repeatable --registry flag: like stringList (a value may be a
// comma-separated list), but an empty value (--registry "", or an empty item between
// commas) is an error, not ignored.
type registryList []string

func (r *registryList) String() string { return strings.Join(*r, ",") }

func (r *registryList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return errors.New("empty registry host; give a host such as 111122223333.dkr.ecr.us-west-2.amazonaws.com")
		}
		*r = append(*r, p)
	}
	return nil
}

// nonEmpty is a string flag that refuses an empty value, so that --docker-config ""
// is an error rather than the default path.
type nonEmpty string

func (n *nonEmpty) String() string { return string(*n) }

func (n *nonEmpty) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty path; give a file path, or leave the flag out for the default")
	}
	*n = nonEmpty(v)
	return nil
}

func (a *app) addRegistryFlags(c *cmdFlags) *registryFlags {
	rf := &registryFlags{}
	c.Var(&rf.registries, "registry", "ECR registry `HOST` (repeatable), such as your mirror's or public.ecr.aws; default: the Envoy registry of --region")
	c.Var(&rf.dockerConfig, "docker-config", "docker config `PATH`, a regular file (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
	c.BoolVar(&rf.skipHelpers, "skip-credential-helpers", false, `use "auths" even where docker would use a credential helper ("credHelpers" or "credsStore")`)
	return rf
}

// hosts returns the registry hosts of --registry and --region (the configured region
// when neither is given), each with the region its token comes from.
func (a *app) registryHosts(rf *registryFlags, configured string) ([]string, error) {
	var hosts []string
	for _, h := range rf.registries {
		reg, err := appmeshenvoy.ParseRegistryHost(h)
		if err != nil {
			return nil, usageErrorf("--registry: %v", err)
		}
		hosts = append(hosts, reg.Host)
	}
	codes := []string(a.g.regions)
	if len(codes) == 0 && len(hosts) == 0 {
		if configured == "" {
			return nil, usageErrorf("no registry: pass --region R (the Envoy registry there) or --registry HOST, or set AWS_REGION")
		}
		codes = []string{configured}
	}
	for _, code := range codes {
		r, err := region.Lookup(code)
		if err != nil {
			return nil, usageError{err}
		}
		hosts = append(hosts, r.RegistryHost())
	}
	return dedupe(hosts), nil
}

// configPath is --docker-config, or the docker client's default. Without a home
// directory or DOCKER_CONFIG there is no default: a usage error.
func (rf *registryFlags) configPath() (string, error) {
	if rf.dockerConfig != "" {
		if strings.ContainsRune(string(rf.dockerConfig), 0) {
			return "", usageErrorf("--docker-config %s: a path has no NUL byte", quote.Input(string(rf.dockerConfig)))
		}
		return string(rf.dockerConfig), nil
	}
	p, err := dockerconfig.DefaultPath()
	if err != nil {
		return "", usageError{fmt.Errorf("%w, or pass --docker-config PATH", err)}
	}
	return p, nil
}

// dockerConfigError adds what the user can do to an error of the docker config: the
// flag that avoids a failing credential helper; for a path that is not a regular file
// (a usage error), the way to log in without writing a file.
func dockerConfigError(err error, login bool) error {
	var he *dockerconfig.CredentialHelperError
	switch {
	case errors.As(err, &he):
		return fmt.Errorf("%w (flag: --skip-credential-helpers)", err)
	case errors.Is(err, dockerconfig.ErrNotRegularFile) && login:
		return usageError{fmt.Errorf("%w; to keep no credential in a file, use --password-stdout", err)}
	case errors.Is(err, dockerconfig.ErrNotRegularFile):
		return usageError{err}
	}
	return err
}

func runLogin(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("login", "[--region R]... [--registry HOST]... [--docker-config PATH] [--password-stdout]",
		`Gets an ECR authorization token (ecr:GetAuthorizationToken, in the registry's region) and
writes it into the docker config as 'docker login' would: into "auths", or through the
credential helper ("credHelpers" or "credsStore") docker would read it from. Other entries
of the file are kept. Prints the registry and the token's expiry, never the password.

The default registry is the App Mesh Envoy registry of --region (or of AWS_REGION).
--registry logs in to any ECR registry host, such as a mirror in your own account, or to
the ECR Public Gallery (public.ecr.aws, or its dual-stack ecr-public.aws.com): docker pulls
the gallery anonymously too, but a logged-in client gets higher rate limits and no
anonymous monthly cap. Its token comes from ecr-public:GetAuthorizationToken in us-east-1
(which also needs sts:GetServiceBearerToken; 'policy --principal puller --public-gallery')
and exists in the aws partition only.

--password-stdout writes nothing and prints only the password, for
'docker login --username AWS --password-stdin HOST', like 'aws ecr get-login-password'.

JSON keys (stable), one object per registry: registry, username, expiresAt (RFC 3339),
dockerConfig, notes (when docker will read the credentials from elsewhere, or when
the file is readable by others).`,
		`appmesh-envoy login --region us-west-2
appmesh-envoy login --registry public.ecr.aws
appmesh-envoy login --region us-west-2 --password-stdout | docker login --username AWS --password-stdin 840364872350.dkr.ecr.us-west-2.amazonaws.com`,
		"table", "json")
	rf := a.addRegistryFlags(c)
	passwordStdout := c.Bool("password-stdout", false, "print only the password on stdout; write no file")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("login takes no arguments, got %q; use --registry HOST", pos[0])
	}
	cfg, err := a.loadConfig(ctx, "")
	if err != nil {
		return err
	}
	hosts, err := a.registryHosts(rf, cfg.Region)
	if err != nil {
		return err
	}
	if *passwordStdout && len(hosts) != 1 {
		return usageErrorf("--password-stdout needs exactly one registry, got %d", len(hosts))
	}
	path := ""
	if !*passwordStdout {
		if path, err = rf.configPath(); err != nil {
			return err
		}
	}
	if err := a.checkCredentials(ctx, cfg); err != nil {
		return err
	}
	tp := a.tokenProvider(cfg)
	tokens := make([]appmeshenvoy.Token, 0, len(hosts))
	for _, h := range hosts {
		tok, err := tp.TokenForRegistry(ctx, h)
		if err != nil {
			return err
		}
		a.redact.add(tok.Password.Reveal())
		tokens = append(tokens, tok)
	}
	if *passwordStdout {
		_, err := fmt.Fprintln(a.stdout, tokens[0].Password.Reveal())
		return err
	}
	notes, err := dockerconfig.Write(ctx, path, tokens, rf.options)
	if err != nil {
		return dockerConfigError(err, true)
	}
	rows := make([]loginJSON, len(tokens))
	for i, t := range tokens {
		rows[i] = loginJSON{Registry: t.Registry, Username: t.Username, ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339), DockerConfig: path}
		for _, n := range notes {
			if n.Host == t.Registry {
				rows[i].Notes = append(rows[i].Notes, n.Message)
			}
		}
	}
	if a.g.output == "json" {
		return writeJSON(a.stdout, rows)
	}
	t := newTable("REGISTRY", "EXPIRES", "DOCKER CONFIG")
	for _, r := range rows {
		t.add(r.Registry, r.ExpiresAt, r.DockerConfig)
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(a.stderr, "note: %s\n", n.String())
	}
	return nil
}

// tokenProvider returns a token provider whose ECR and ECR Public clients follow
// --endpoint-url.
func (a *app) tokenProvider(cfg aws.Config) *appmeshenvoy.TokenProvider {
	e := a.endpoint()
	return appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
		o.ECROptions = a.ecrOptions()
		if e != nil {
			o.ECRPublicOptions = []func(*ecrpublic.Options){func(o *ecrpublic.Options) { o.BaseEndpoint = e }}
		}
	})
}

// options applies the flags to the docker config writer.
func (rf *registryFlags) options(o *dockerconfig.Options) { o.SkipCredentialHelpers = rf.skipHelpers }

func runLogout(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("logout", "[--region R]... [--registry HOST]... [--docker-config PATH]",
		`Removes the registries' credentials from the docker config (or from the credential helper
that holds them), as 'docker logout' would. Other entries are kept. Makes no AWS call.
After 'login --skip-credential-helpers', log out with it too.

JSON keys (stable), one object per registry: registry, dockerConfig.`,
		`appmesh-envoy logout --region us-west-2`,
		"table", "json")
	rf := a.addRegistryFlags(c)
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("logout takes no arguments, got %q; use --registry HOST", pos[0])
	}
	configured := ""
	if len(a.g.regions) == 0 && len(rf.registries) == 0 {
		cfg, err := a.loadConfig(ctx, "")
		if err != nil {
			return err
		}
		configured = cfg.Region
	}
	hosts, err := a.registryHosts(rf, configured)
	if err != nil {
		return err
	}
	path, err := rf.configPath()
	if err != nil {
		return err
	}
	notes, err := dockerconfig.Remove(ctx, path, hosts, rf.options)
	if err != nil {
		return dockerConfigError(err, false)
	}
	rows := make([]logoutJSON, len(hosts))
	for i, h := range hosts {
		rows[i] = logoutJSON{h, path}
	}
	if a.g.output == "json" {
		return writeJSON(a.stdout, rows)
	}
	t := newTable("REGISTRY", "DOCKER CONFIG")
	for _, r := range rows {
		t.add(r.Registry, r.DockerConfig)
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(a.stderr, "note: %s\n", n.String())
	}
	return nil
}
