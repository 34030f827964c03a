package appmeshenvoy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestWireCheckWithoutParameter: without the SSM parameter, Check compares with the
// final release, never with a fallback's answer (a mirror's own highest tag would make
// every deployment from it up to date), and says when a mirror lacks the final release.
func TestWireCheckWithoutParameter(t *testing.T) {
	final := appmeshenvoy.FinalRelease().String()
	aws := region.MustLookup(fbRegion).RepositoryURI()
	tests := []struct {
		name      string
		gone      bool
		mirror    []string // tags of the mirror; nil: no mirror
		fallbacks []string
		deployed  string
		status    appmeshenvoy.DriftStatus
		source    appmeshenvoy.Source
		missing   bool
		says      string
	}{
		{name: "parameter present", deployed: aws + ":v1.29.6.0-prod", status: appmeshenvoy.DriftOlder, source: appmeshenvoy.SourceSSM},
		{name: "parameter gone", gone: true, deployed: aws + ":v1.29.6.0-prod", status: appmeshenvoy.DriftOlder, source: appmeshenvoy.SourceBuiltin,
			says: "compared with the final App Mesh release v1.39.1.0-prod because the SSM parameter is gone"},
		{name: "mirror without the final release, fallbacks ignored", gone: true, mirror: []string{"v1.34.13.3-prod"},
			fallbacks: []string{"repository=" + fbMirror}, deployed: fbMirrorUW + ":v1.34.13.3-prod",
			status: appmeshenvoy.DriftOlder, source: appmeshenvoy.SourceBuiltin, missing: true,
			says: fbMirrorUW + " has no v1.39.1.0-prod: copy it there before upgrading"},
		{name: "mirror with the final release", gone: true, mirror: []string{"v1.34.13.3-prod", final},
			deployed: fbMirrorUW + ":" + final, status: appmeshenvoy.DriftUpToDate, source: appmeshenvoy.SourceBuiltin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wireServer(t)
			if tt.gone {
				srv.DeleteParameter(fbRegion)
			}
			if tt.mirror != nil {
				if err := srv.CreateRepository(fbMirrorUW, appmeshenvoytest.RepositoryOptions{}); err != nil {
					t.Fatal(err)
				}
				for _, tag := range tt.mirror {
					if _, err := srv.PushImage(fbMirrorUW, tag, 16); err != nil {
						t.Fatal(err)
					}
				}
			}
			res, err := fbResolver(srv, false, tt.fallbacks...)
			if err != nil {
				t.Fatal(err)
			}
			d, err := res.Check(context.Background(), tt.deployed)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tt.status || d.LatestSource != tt.source || d.LatestMissing != tt.missing {
				t.Errorf("%s: status %v, source %s, missing %v; want %v, %s, %v", d, d.Status, d.LatestSource, d.LatestMissing, tt.status, tt.source, tt.missing)
			}
			if tt.source == appmeshenvoy.SourceBuiltin && d.Latest.String() != aws+":"+final {
				t.Errorf("compared with %s, want the final release %s:%s", d.Latest, aws, final)
			}
			if !strings.Contains(d.String(), tt.says) {
				t.Errorf("%q does not say %q", d, tt.says)
			}
		})
	}
}
