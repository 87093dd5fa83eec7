package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/internal/testutil"
)

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

// execute runs the command line in process and returns its exit status,
// stdout and stderr.
func execute(args ...string) (int, string, string) {
	var out, errOut strings.Builder
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestCompletionScripts checks that each shell gets its script on stdout.
func TestCompletionScripts(t *testing.T) {
	for _, tc := range []struct{ shell, want string }{
		{"bash", "complete -o default -F __start_etcdlab etcdlab"},
		{"zsh", "#compdef etcdlab"},
		{"fish", "complete -c etcdlab "},
		{"powershell", "Register-ArgumentCompleter -CommandName 'etcdlab'"},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			code, out, errOut := execute("completion", tc.shell)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("the %s script lacks %q:\n%.2000s", tc.shell, tc.want, out)
			}
		})
	}
}

// complete asks cobra's __complete, as the shell scripts do, and returns
// the completions and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, _ := execute(append([]string{"__complete"}, args...)...)
	if code != ExitOK {
		t.Fatalf("__complete %q: exit %d", args, code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// TestCompleteScenarios checks that run FILE and --script offer the .lab
// files first, then directories, and leave the shell to complete any file
// where there is neither.
func TestCompleteScenarios(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.lab", "a.lab", "notes.txt", ".hidden.lab", "sub/c.lab"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "notes.txt"), nil, 0o600)
	d := dir + "/"
	for _, tc := range []struct {
		name      string
		args      []string
		want      []string
		directive string // 34: keep order, no space; 32: keep order; 0: the shell's own; 4: no files
	}{
		{"run FILE", []string{"run", d}, []string{d + "a.lab", d + "b.lab", d + "sub/"}, ":34"},
		{"run FILE by prefix", []string{"run", d + "a"}, []string{d + "a.lab"}, ":32"},
		{"run FILE in a subdirectory", []string{"run", d + "sub/"}, []string{d + "sub/c.lab"}, ":32"},
		{"hidden files when asked", []string{"run", d + ".h"}, []string{d + ".hidden.lab"}, ":32"},
		{"--script", []string{"--script", d}, []string{d + "a.lab", d + "b.lab", d + "sub/"}, ":34"},
		{"--script after other flags", []string{"--members", "5", "--script", d + "b"}, []string{d + "b.lab"}, ":32"},
		{"no scenario: any file", []string{"run", empty + "/"}, nil, ":0"},
		{"nothing after FILE", []string{"run", d + "a.lab", ""}, nil, ":4"},
		{"export forms", []string{"export", ""}, []string{"compose", "procfile", "commands"}, ":4"},
		{"completion shells", []string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}, ":4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, directive := complete(t, tc.args...)
			if !slices.Equal(got, tc.want) || directive != tc.directive {
				t.Errorf("__complete %q:\n got %q %s\nwant %q %s", tc.args, got, directive, tc.want, tc.directive)
			}
		})
	}
}

// TestTwoDashes checks that one-dash long flags, as Go's flag package
// took them, are read as pflag's two-dash ones, and nothing else changes.
func TestTwoDashes(t *testing.T) {
	in := []string{"serve", "-members", "3", "-base-port=2379", "-h", "--tls", "-", "-5", "--", "-members"}
	want := []string{"serve", "--members", "3", "--base-port=2379", "-h", "--tls", "-", "-5", "--", "-members"}
	if got := twoDashes(in); !slices.Equal(got, want) {
		t.Errorf("twoDashes(%q)\n got %q\nwant %q", in, got, want)
	}
}

// TestVersion checks what version prints from a build's information: the
// module version or VCS revision, the etcd modules, and Go.
func TestVersion(t *testing.T) {
	goLine := "Go Version: " + runtime.Version() + "\nGo OS/Arch: " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"a release", &debug.BuildInfo{
			Main: debug.Module{Path: "github.com/etcdlab/etcdlab", Version: "v1.2.0"},
			Deps: []*debug.Module{{Path: "go.etcd.io/etcd/server/v3", Version: "v3.7.3"}, {Path: "go.etcd.io/etcd/client/v3", Version: "v3.7.3"}},
		}, "etcdlab version: v1.2.0\netcd server version: 3.7.3\netcd client version: 3.7.3\nAPI version: 3.7\n" + goLine},
		{"a checkout with changes", &debug.BuildInfo{
			Main: debug.Module{Path: "github.com/etcdlab/etcdlab", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "go.etcd.io/etcd/server/v3", Version: "v3.7.3", Replace: &debug.Module{Path: "go.etcd.io/etcd/server/v3", Version: "v3.7.4"}}},
			Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "ff72e812a60f"},
				{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}},
		}, "etcdlab version: (devel)\nGit SHA: ff72e812a60f (2026-01-02T03:04:05Z, modified)\netcd server version: 3.7.4\netcd client version: 3.7.3\nAPI version: 3.7\n" + goLine},
		{"no build information", nil, "etcdlab version: unknown\netcd server version: 3.7.3\netcd client version: 3.7.3\nAPI version: 3.7\n" + goLine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := writeVersion(&b, tc.bi); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
	// This test binary's own: etcd's versions come from its dependencies.
	code, out, _ := execute("version")
	if code != ExitOK || !strings.Contains(out, "etcd server version: 3.7.3\netcd client version: 3.7.3\n") {
		t.Errorf("etcdlab version: exit %d\n%s", code, out)
	}
}
