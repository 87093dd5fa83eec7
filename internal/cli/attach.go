package cli

import (
	"net/url"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/ui"
	"github.com/spf13/cobra"
)

func init() { addCommand(newAttachCmd) }

// newAttachCmd returns `etcdlab attach`: the dashboard over a cluster
// that runs elsewhere.
func newAttachCmd() *cobra.Command {
	var (
		endpoints, cacert, user string
		timeout                 time.Duration
	)
	c := &cobra.Command{
		Use:   "attach --endpoints URL[,URL...]",
		Short: "Open the dashboard on an existing etcd cluster (processes, containers, machines)",
		Long: `attach opens the same dashboard on a cluster etcdlab does not run: etcd
processes, containers or machines, read over the client API alone (every
member's status every 250 ms, and the member list). Every client command,
move-leader, member promote and member remove work; kill, restart, partitions
and member add do not, since etcdlab does not run those processes. One endpoint
is enough: the others are read from the member list.`,
		Example: `  etcdlab attach --endpoints http://127.0.0.1:2379
  etcdlab attach --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379,http://10.0.0.3:2379
  etcdlab attach --endpoints https://10.0.0.1:2379 --cacert ca.crt --user root:secret`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rc, err := remoteConfig(endpoints, cacert, user)
			if err != nil {
				return err
			}
			if timeout <= 0 {
				return usagef("--command-timeout %v must be positive, e.g. --command-timeout 2s", timeout)
			}
			cfg := lab.Config{Attach: rc, Options: lab.Options{Timeout: timeout}}
			return ui.Run(cmd.Context(), ui.Options{Config: cfg})
		},
	}
	fs := c.Flags()
	fs.StringVar(&endpoints, "endpoints", "", "client `URLS` of the cluster, comma-separated, e.g. http://10.0.0.1:2379,http://10.0.0.2:2379")
	fs.StringVar(&cacert, "cacert", "", "`FILE` of the CA certificate that signed the members' certificates (for https endpoints)")
	fs.StringVar(&user, "user", "", "`USER:PASSWORD` for a cluster with authentication, as etcdctl's --user")
	addTimeout(fs, &timeout)
	markFiles(c, "cacert")
	return c
}

// remoteConfig checks attach's flags and returns how to reach the cluster.
func remoteConfig(endpoints, cacert, user string) (*cluster.RemoteConfig, error) {
	if endpoints == "" {
		return nil, usagef("attach needs --endpoints, e.g. etcdlab attach --endpoints http://127.0.0.1:2379")
	}
	rc := &cluster.RemoteConfig{Endpoints: strings.Split(endpoints, ",")}
	for _, e := range rc.Endpoints {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("--endpoints: %q is not a client URL: write e.g. http://127.0.0.1:2379", e)
		}
	}
	if user != "" {
		name, pw, ok := strings.Cut(user, ":")
		if !ok || name == "" {
			return nil, usagef("--user %q: write USER:PASSWORD, e.g. --user root:secret", user)
		}
		rc.Username, rc.Password = name, pw
	}
	if cacert != "" {
		tc, err := cluster.TLSConfigFromCA(cacert)
		if err != nil {
			return nil, &usageError{err: err}
		}
		rc.TLS, rc.CAFile = tc, cacert
	}
	return rc, nil
}
