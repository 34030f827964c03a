package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// versionJSON is the output of 'version -o json'. The keys are stable.
type versionJSON struct {
	// Module is the main module's path.
	Module string `json:"module"`
	// Version is the module version as the build stamped it: a release (v1.2.3) for go
	// install ...@v1.2.3, a pseudo-version for a build from a clone, "(devel)" when the
	// build recorded none.
	Version string `json:"version"`
	// Commit, CommitTime and Modified come from the version control stamp (go build
	// -buildvcs); they are omitted when the build has none.
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commitTime,omitempty"`
	Modified   *bool  `json:"modified,omitempty"`
	// GoVersion is the Go toolchain that built the binary, Platform its GOOS/GOARCH.
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// develVersion is the version of a build that recorded none.
const develVersion = "(devel)"

// buildVersion reads the build information the Go toolchain stamped into the binary
// (runtime/debug.ReadBuildInfo): module version, VCS revision, time and modified flag,
// Go version.
func buildVersion() versionJSON {
	v := versionJSON{Version: develVersion, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Module = info.Main.Path
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	if info.GoVersion != "" {
		v.GoVersion = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			if b, err := strconv.ParseBool(s.Value); err == nil {
				v.Modified = &b
			}
		}
	}
	return v
}

func runVersion(_ context.Context, a *app, args []string) error {
	c := a.newCmd("version", "[-o text|json]",
		`Prints the version of this build: the module version as the Go toolchain stamped it (a
release such as v1.2.3 for 'go install ...@v1.2.3', a pseudo-version for a build from a
clone, "(devel)" where the build recorded none), the commit and whether the tree had
uncommitted changes (when the build recorded version control information; go build
-buildvcs=false records none), and the Go version. '--version' is the same.

JSON keys (stable): module, version, commit, commitTime, modified (omitted when unknown),
goVersion, platform.`,
		`appmesh-envoy version
appmesh-envoy --version -o json`,
		"text", "json")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("version takes no arguments, got %s", quote.Input(pos[0]))
	}
	v := buildVersion()
	if a.g.output == "json" {
		return writeJSON(a.stdout, v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", progName, v.Version)
	if v.Commit != "" {
		fmt.Fprintf(&b, "commit   %s", v.Commit)
		if v.CommitTime != "" {
			fmt.Fprintf(&b, " (%s)", v.CommitTime)
		}
		if v.Modified != nil && *v.Modified {
			b.WriteString(", modified")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "go       %s %s\n", v.GoVersion, v.Platform)
	_, err = fmt.Fprint(a.stdout, b.String())
	return err
}
