package export

import (
	"fmt"
	"net"

	"go.etcd.io/etcd/api/v3/version"
)

// commands returns one shell command per member, each for its own machine,
// in the shape of etcd's clustering guide (and the seed's infra0..infra3):
// member etcdN listens on the Nth host, on the base port for clients and
// the port above it for peers.
func (c Cluster) commands() []string {
	clientPort, peerPort := c.BasePort, c.BasePort+1
	ca, cert, key := tlsFiles(c.hostTLSDir())
	ms := make([]member, c.Members)
	urls := make([]string, c.Members)
	for i, h := range c.Hosts {
		n := name(i + 1)
		client, peer := c.url(h, clientPort), c.url(h, peerPort)
		m := member{name: n, advertiseClient: []string{client}, advertisePeer: peer, dataDir: c.hostDataDir(n),
			certFile: cert, keyFile: key, trustedCA: ca}
		switch ip := net.ParseIP(h); {
		case ip == nil:
			// etcd binds only to IP addresses: a host name is advertised,
			// and the member listens on every address of its machine.
			m.listenClient, m.listenPeer = []string{c.url("0.0.0.0", clientPort)}, c.url("0.0.0.0", peerPort)
		case ip.IsLoopback():
			m.listenClient, m.listenPeer = []string{client}, peer
		default:
			// Also on loopback, so that etcdctl on the machine needs no
			// --endpoints.
			m.listenClient, m.listenPeer = []string{client, c.url("127.0.0.1", clientPort)}, peer
		}
		ms[i] = m
		urls[i] = client
	}
	lines := []string{
		fmt.Sprintf("# etcd v%s: %s, one per machine, each on port %d for clients and %d for peers,",
			version.Version, count(c.Members), clientPort, peerPort),
		"# named and timed as etcdlab runs them. Run each command on its machine; etcd must be on PATH",
		fmt.Sprintf("# there, the machines must reach each other on port %d, and clients reach them on %d.", peerPort, clientPort),
	}
	if c.DataDir == "" {
		lines = append(lines, "# Each member keeps its data in NAME.etcd in the directory it starts in.")
	}
	if c.TLS {
		lines = append(lines,
			fmt.Sprintf("# TLS: each machine needs %s, %s and %s; its certificate must name", ca, cert, key),
			"# that machine's address (as given here) and 127.0.0.1, and be signed by that CA for server and",
			"# client use (members present it to each other). etcdlab's own certificates name only",
			"# 127.0.0.1 and localhost: make these with your CA.")
	}
	for i, m := range ms {
		lines = append(lines, "", "# on "+c.Hosts[i], "etcd \\")
		fl := c.flags(m, ms)
		for j, f := range fl {
			l := "  --" + f[0] + " " + shellQuote(f[1])
			if j < len(fl)-1 {
				l += " \\"
			}
			lines = append(lines, l)
		}
	}
	return append(lines, c.attach(urls, ca)...)
}
