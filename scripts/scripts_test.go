// Package scripts holds the bundled lessons; this test plays each one on a
// fresh cluster, exactly as `etcdlab run FILE` does.
package scripts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/testutil"
	"github.com/etcdlab/etcdlab/lab"
)

// scripts tests own ports 25000-26999.
var ports = &testutil.Ports{Start: 25000, End: 27000, Block: 2 * cluster.MaxMembers}

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

func TestBundledScenarios(t *testing.T) {
	files, err := filepath.Glob("*.lab")
	if err != nil || len(files) < 5 {
		t.Fatalf("bundled scenarios: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".lab"), func(t *testing.T) {
			s, err := lab.LoadScript(f)
			if err != nil {
				t.Fatal(err)
			}
			if s.Members == 0 {
				t.Fatalf("%s does not start with members N", f)
			}
			var out strings.Builder
			ports.Launch(t, cluster.IsPortInUse, func(base int) error {
				out.Reset()
				cfg := lab.Config{Cluster: cluster.Config{
					Members: s.Members, BasePort: base, DataDir: t.TempDir(), LogFile: "-",
				}}
				err := lab.RunFile(context.Background(), cfg, s, &out)
				if err != nil && !cluster.IsPortInUse(err) {
					err = fmt.Errorf("%v\ntranscript:\n%s", err, out.String())
				}
				return err
			})
			if !strings.Contains(out.String(), "PASS:") {
				t.Fatalf("no PASS line:\n%s", out.String())
			}
			if testing.Verbose() {
				t.Log("\n" + out.String())
			}
		})
	}
}

// TestScenariosParse keeps every bundled file free of syntax errors even
// when the slow test above is skipped with -short.
func TestScenariosParse(t *testing.T) {
	files, _ := filepath.Glob("*.lab")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := lab.ParseScript(string(b)); len(errs) > 0 {
			t.Errorf("%s: %v", f, errs)
		}
	}
}
