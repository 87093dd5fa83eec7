package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/api/v3/version"
)

func init() { addCommand(newVersionCmd) }

// newVersionCmd returns `etcdlab version`.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print etcdlab's version, the etcd it embeds, and Go's",
		Long: `version prints etcdlab's version (its module version, or the VCS revision it
was built from), the versions of the etcd server and client it embeds, etcd's
API version, and the Go version and platform it was built with.`,
		Example: `  etcdlab version
  go run . version`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, _ := debug.ReadBuildInfo()
			return writeVersion(cmd.OutOrStdout(), bi)
		},
	}
}

// The modules whose versions etcdlab reports.
const (
	serverModule = "go.etcd.io/etcd/server/v3"
	clientModule = "go.etcd.io/etcd/client/v3"
)

// writeVersion writes the versions in etcd's own words (etcd --version,
// etcdctl version). bi may be nil, when the binary carries no build
// information; the etcd versions then come from etcd's api/version.
func writeVersion(w io.Writer, bi *debug.BuildInfo) error {
	self, rev := "unknown", ""
	server, client := "v"+version.Version, "v"+version.Version
	if bi != nil {
		if v := bi.Main.Version; v != "" {
			self = v
		}
		rev = revision(bi.Settings)
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			switch d.Path {
			case serverModule:
				server = d.Version
			case clientModule:
				client = d.Version
			}
		}
	}
	lines := []string{"etcdlab version: " + self}
	if rev != "" {
		lines = append(lines, "Git SHA: "+rev)
	}
	lines = append(lines,
		"etcd server version: "+strings.TrimPrefix(server, "v"),
		"etcd client version: "+strings.TrimPrefix(client, "v"),
		"API version: "+version.APIVersion,
		"Go Version: "+runtime.Version(),
		"Go OS/Arch: "+runtime.GOOS+"/"+runtime.GOARCH)
	_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}

// revision returns the VCS revision the build recorded, with its time and
// whether the tree had changes, e.g. "ff72e81 (2025-06-01T10:00:00Z,
// modified)"; "" when the build recorded none.
func revision(settings []debug.BuildSetting) string {
	var rev, at string
	modified := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return ""
	}
	var notes []string
	if at != "" {
		notes = append(notes, at)
	}
	if modified {
		notes = append(notes, "modified")
	}
	if len(notes) == 0 {
		return rev
	}
	return rev + " (" + strings.Join(notes, ", ") + ")"
}
