package lab

import (
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
)

func TestStartingLine(t *testing.T) {
	for _, tc := range []struct {
		cfg  cluster.Config
		want string
	}{
		{cluster.Config{Members: 3, BasePort: 2379}, "starting 3 members on ports 2379-2384"},
		{cluster.Config{Members: 5}, "starting 5 members on ports 2379-2388"},
		{cluster.Config{Members: 1, BasePort: 23000}, "starting 1 members on ports 23000-23001"},
	} {
		if got := (Config{Cluster: tc.cfg}).Starting(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.cfg, got, tc.want)
		}
	}
}

func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" for no warning
	}{
		{"default host", Config{}, ""},
		{"loopback", Config{Cluster: cluster.Config{Host: "127.0.0.1"}}, ""},
		{"loopback v6", Config{Cluster: cluster.Config{Host: "::1"}}, ""},
		{"localhost", Config{Cluster: cluster.Config{Host: "localhost"}}, ""},
		{"every address", Config{Cluster: cluster.Config{Host: "0.0.0.0"}}, "warning: listening on 0.0.0.0: anyone who can reach that address can read and write the cluster (consider --tls --auth)"},
		{"tls only", Config{Cluster: cluster.Config{Host: "10.0.0.5", TLS: true}}, "(consider --tls --auth)"},
		{"tls and auth", Config{Cluster: cluster.Config{Host: "10.0.0.5", TLS: true, Auth: true}}, "warning: listening on 10.0.0.5: anyone who can reach that address can read and write the cluster"},
		{"attached", Config{Cluster: cluster.Config{Host: "0.0.0.0"}, Attach: &cluster.RemoteConfig{}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join((&Session{cfg: tc.cfg}).Warnings(), "\n")
			switch {
			case tc.want == "" && got != "":
				t.Errorf("got %q, want no warning", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("got %q, want %q", got, tc.want)
			case tc.cfg.Cluster.TLS && tc.cfg.Cluster.Auth && strings.Contains(got, "consider"):
				t.Errorf("got %q: TLS and auth are on, nothing to consider", got)
			}
		})
	}
}
