package appmeshenvoy

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// sourceRepo is the repository of a repository fallback in one region.
type sourceRepo struct {
	host, name string
	// ecr is the registry when host is an ECR private registry (read with the ECR API);
	// the zero Registry otherwise (read through the registry's tag list).
	ecr Registry
}

func (s sourceRepo) String() string { return s.host + "/" + s.name }

func (s sourceRepo) isECR() bool { return s.ecr.Account != "" }

// pullThroughCache reports a repository that looks like an ECR pull-through cache of
// the ECR Public Gallery: "<prefix>/appmesh/aws-appmesh-envoy" in an ECR private
// registry (see [Image.WithPullThroughCache]). Its tags are only those someone pulled.
func (s sourceRepo) pullThroughCache() bool {
	return s.isECR() && strings.HasSuffix(s.name, "/"+publicGalleryRepository)
}

// repositoryIn returns the repository of f in the region code: RegionPlaceholder
// replaced, then parsed as an ECR repository or, for another registry, as
// "host[:port]/name".
func (f Fallback) repositoryIn(code string) (sourceRepo, error) {
	in := strings.TrimSpace(strings.ReplaceAll(f.Repository, RegionPlaceholder, code))
	bad := func(why string) (sourceRepo, error) { return sourceRepo{}, fallbackInputError(f.String(), why) }
	if strings.ContainsAny(in, "{}") {
		return bad("the only placeholder is " + RegionPlaceholder)
	}
	if rest, ok := strings.CutPrefix(strings.ToLower(in), "https://"); ok {
		in = in[len(in)-len(rest):]
	}
	host, _, ok := strings.Cut(in, "/")
	if !ok {
		return bad("want host/repository, as in 111122223333.dkr.ecr.{region}.amazonaws.com/envoy")
	}
	if reg, err := ParseRegistryHost(host); err == nil && !reg.Public && !strings.Contains(host, ":") {
		repo, err := ParseRepository(in)
		if err != nil {
			return bad(err.Error())
		}
		return sourceRepo{host: repo.Registry.Host, name: repo.Name, ecr: repo.Registry}, nil
	}
	return parseOtherRepository(f, in)
}

// ECRRepository returns the ECR private repository a repository fallback reads in the
// region code (RegionPlaceholder replaced), for the IAM policy of a resolver. ok is false
// for other sources and for repositories of registries that are not ECR private
// registries, which IAM does not govern.
func (f Fallback) ECRRepository(code string) (repo Repository, ok bool, err error) {
	if f.Source != SourceRepository {
		return Repository{}, false, nil
	}
	sr, err := f.repositoryIn(code)
	if err != nil || !sr.isECR() {
		return Repository{}, false, err
	}
	return Repository{Registry: sr.ecr, Name: sr.name}, true, nil
}

// askRepository answers with the highest release tag of repo.
func (r *Resolver) askRepository(ctx context.Context, repo sourceRepo) (answer, error) {
	ans := answer{repository: repo.String()}
	var tags []string
	var note string
	var err error
	if repo.isECR() {
		tags, err = r.describeTags(ctx, repo)
	} else {
		tags, note, err = r.registryTags(ctx, repo)
	}
	if err != nil {
		return ans, err
	}
	tag, ok := releaseTag(tags, r.opts.FIPS)
	if !ok {
		return ans, noReleaseTag(tags, r.opts.FIPS)
	}
	ans.image = Image{Registry: repo.host, Repository: repo.name, Tag: tag}
	ans.note = "answered by fallback repository " + repo.String() + ": " + tag + " is the highest release tag there"
	if repo.pullThroughCache() {
		ans.note += ", and as a pull-through cache it holds only what someone has already pulled through it: a newer release may exist upstream"
	}
	if note != "" {
		ans.note += " (" + note + ")"
	}
	return ans, nil
}

// maxDescribePages bounds the DescribeImages pages one listing reads (1,000 images
// each).
const maxDescribePages = 100

// describeTags lists the tags of an ECR repository with ecr:DescribeImages in the
// repository's own region, following nextToken.
func (r *Resolver) describeTags(ctx context.Context, repo sourceRepo) ([]string, error) {
	c, err := clientFor(r, ctx, repo.ecr.Region, r.describeClients, r.opts.DescribeImagesClientForRegion, "DescribeImagesClientForRegion",
		func(cfg aws.Config) DescribeImagesAPI { return r.newECRClient(cfg) })
	if err != nil {
		return nil, err
	}
	if c.creds != nil {
		if _, err := awserr.Credentials(ctx, c.creds); err != nil {
			return nil, err
		}
	}
	repoARN := Repository{Registry: repo.ecr, Name: repo.name}.ARN()
	var tags []string
	in := &ecr.DescribeImagesInput{
		RegistryId:     aws.String(repo.ecr.Account),
		RepositoryName: aws.String(repo.name),
		Filter:         &ecrtypes.DescribeImagesFilter{TagStatus: ecrtypes.TagStatusTagged},
		MaxResults:     aws.Int32(1000),
	}
	for page := 0; ; page++ {
		if page == maxDescribePages {
			return nil, errcode.Wrap(ErrNoReleaseTag, "more than 100 pages of images; use a repository that holds only the Envoy image", nil)
		}
		out, err := c.api.DescribeImages(ctx, in, ecrRegion(repo.ecr.Region))
		if err != nil {
			if awserr.IsCode(err, "RepositoryNotFoundException") {
				return nil, errcode.Wrap(ErrImageNotFound, "the repository does not exist (RepositoryNotFoundException); create it and copy the image there (appmesh-envoy mirror), or fix the URI", err)
			}
			return nil, awserr.Classify(err, awserr.Call{Action: "ecr:DescribeImages", Resource: repoARN,
				Attempts: r.opts.RetryMaxAttempts, Timeout: r.opts.Timeout})
		}
		if out == nil {
			break
		}
		for _, d := range out.ImageDetails {
			tags = append(tags, d.ImageTags...)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return tags, nil
}
