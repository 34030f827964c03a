package mirror_test

import (
	"sync"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
)

// TestProgress: reports come one at a time; each destination's last report is Done with
// its status, and counts every blob and byte.
func TestProgress(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	inside := false
	last := map[string]mirror.Progress{}
	m := newMirror(t, srv, func(o *mirror.Options) {
		o.Progress = func(p mirror.Progress) {
			mu.Lock()
			if inside {
				t.Error("Progress called concurrently")
			}
			inside = true
			mu.Unlock()
			if prev, ok := last[p.Destination]; ok && prev.Done {
				t.Errorf("a report after Done: %+v", p)
			}
			last[p.Destination] = p
			mu.Lock()
			inside = false
			mu.Unlock()
		}
	})
	dests := []string{own("us-east-1", "a/envoy"), own("us-east-1", "b/envoy"), own("eu-west-1", "a/envoy")}
	res := copyOK(t, m, mirror.Request{Regions: []string{"us-west-2"}, Destinations: dests, Create: &mirror.RepositorySettings{}})
	for _, r := range res {
		p := last[r.Destination]
		if !p.Done || p.Status != mirror.StatusCopied || p.BlobsDone != p.BlobsTotal || p.BlobsTotal != 8 || p.BytesDone != p.BytesTotal || p.BytesDone != r.BytesCopied {
			t.Errorf("%s: last report %+v, result %+v", r.Destination, p, r)
		}
	}
}
