package export

import (
	"fmt"
	"strings"

	"github.com/etcdlab/etcdlab/cluster"
	"go.etcd.io/etcd/api/v3/version"
)

// procfile returns a Procfile for goreman in the shape of etcd's own: one
// line per member, NAME: then a plain etcd command on 127.0.0.1 with the
// lab's ports.
func (c Cluster) procfile() []string {
	ca, cert, key := tlsFiles(c.hostTLSDir())
	ms := make([]member, c.Members)
	urls := make([]string, c.Members)
	for i := range ms {
		n := name(i + 1)
		client := c.url("127.0.0.1", cluster.ClientPort(c.BasePort, i+1))
		peer := c.url("127.0.0.1", cluster.PeerPort(c.BasePort, i+1))
		ms[i] = member{name: n, listenClient: []string{client}, advertiseClient: []string{client},
			listenPeer: peer, advertisePeer: peer, dataDir: c.hostDataDir(n),
			certFile: cert, keyFile: key, trustedCA: ca}
		urls[i] = client
	}
	lines := []string{
		fmt.Sprintf("# etcd v%s: %s on 127.0.0.1, ports %d-%d, named and timed as etcdlab runs them.",
			version.Version, count(c.Members), c.BasePort, cluster.PeerPort(c.BasePort, c.Members)),
		"# Run it with goreman (go install github.com/mattn/goreman@latest): goreman -f Procfile start",
		"# What follows each NAME: is a plain shell command too. etcd must be on PATH: a release",
		"# binary, or `go build -o etcd go.etcd.io/etcd/server/v3` in etcdlab's source tree.",
	}
	if c.DataDir == "" {
		lines = append(lines, "# Each member keeps its data in NAME.etcd in the directory it starts in.")
	} else {
		lines = append(lines, fmt.Sprintf("# Each member keeps its data in %s/NAME, as etcdlab does: a lab's data dir is resumed.", strings.TrimSuffix(c.DataDir, "/")))
	}
	if c.TLS {
		lines = append(lines,
			fmt.Sprintf("# TLS: every member reads %s, %s and %s; the certificate must name", ca, cert, key),
			"# 127.0.0.1 and be signed by that CA for server and client use (members present it to each",
			"# other). etcdlab --tls --data-dir DIR makes exactly these files in DIR/tls.")
	}
	lines = append(lines, "")
	for _, m := range ms {
		var b strings.Builder
		b.WriteString(m.name + ": etcd")
		for _, f := range c.flags(m, ms) {
			b.WriteString(" --" + f[0] + " " + shellQuote(f[1]))
		}
		lines = append(lines, b.String())
	}
	return append(lines, c.attach(urls, ca)...)
}
