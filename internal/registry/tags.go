package registry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Bounds of a tag list.
const (
	// MaxTagsPage bounds one page of a tag list: 1,000 tags of at most 128 bytes fit.
	MaxTagsPage = 1 << 20
	// MaxTagPages bounds the pages one listing follows.
	MaxTagPages = 100
	// MaxTags bounds the tags one listing returns.
	MaxTags = 100000
)

// ListTags returns the tags of repo in the order the registry gives them, following the
// Link header of each page (the OCI distribution spec's "Listing Tags") on the same
// endpoint, at most [MaxTagPages] pages of [MaxTagsPage] bytes and [MaxTags] tags.
func (c *Client) ListTags(ctx context.Context, repo Repo) ([]string, error) {
	op, name := "list tags", repo.String()
	var tags []string
	var next *url.URL
	for page := 0; ; page++ {
		if page == MaxTagPages {
			return nil, &Error{Op: op, Ref: name, Message: "more than 100 pages of tags", Kind: ErrTooLarge}
		}
		cl := call{op: op, ref: name, method: http.MethodGet, repo: repo, path: "tags/list", abs: next}
		if next == nil {
			cl.query = url.Values{"n": {"1000"}}
		}
		resp, err := c.do(ctx, cl)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, statusError(op, name, resp)
		}
		tooLarge := &Error{Op: op, Ref: name, Message: "a tag-list page over 1 MiB", Kind: ErrTooLarge}
		if resp.ContentLength > MaxTagsPage {
			resp.Body.Close()
			return nil, tooLarge
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTagsPage+1))
		resp.Body.Close()
		if err != nil {
			return nil, c.transportError(op, name, ctx, nil, err).err
		}
		if len(body) > MaxTagsPage {
			return nil, tooLarge
		}
		var tl struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(body, &tl); err != nil {
			return nil, &Error{Op: op, Ref: name, Message: "the tag list is not JSON", Kind: ErrProtocol}
		}
		for _, t := range tl.Tags {
			if !checkReference(t) || strings.Contains(t, ":") {
				continue // not a tag: never passed on
			}
			if len(tags) == MaxTags {
				return nil, &Error{Op: op, Ref: name, Message: "more than 100000 tags", Kind: ErrTooLarge}
			}
			tags = append(tags, t)
		}
		link := nextLink(resp.Header.Values("Link"))
		if link == "" {
			return tags, nil
		}
		u, err := resp.Request.URL.Parse(link)
		if err != nil || !strings.HasPrefix(u.Path, "/v2/") {
			return nil, &Error{Op: op, Ref: name, Message: "a bad next-page link", Kind: ErrProtocol}
		}
		next = u
	}
}

// nextLink returns the URL of the rel="next" entry of Link headers (RFC 8288), or "".
func nextLink(values []string) string {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "rel") && strings.EqualFold(strings.Trim(strings.TrimSpace(val), `"`), "next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}
