package export

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/etcdlab/etcdlab/cluster"
	"go.etcd.io/etcd/api/v3/version"
)

// Inside every container, as in the seed's docker-compose and etcd's
// image: etcd's own ports, its data at /etcd-data.
const (
	containerClientPort = 2379
	containerPeerPort   = 2380
	containerDataDir    = "/etcd-data"
	containerTLSDir     = "/etc/etcd/tls"
)

// compose returns a docker-compose.yml in the shape of the seed's: services
// etcd1..etcdN on the official image, each listening on 2379 and 2380 in
// its container, peers reaching each other by service name. The lab's
// ports are published on 127.0.0.1, where the lab listens too.
func (c Cluster) compose() []string {
	ca, cert, key := tlsFiles(containerTLSDir)
	ms := make([]member, c.Members)
	urls := make([]string, c.Members)
	for i := range ms {
		n := name(i + 1)
		host := c.url("127.0.0.1", cluster.ClientPort(c.BasePort, i+1))
		// Clients on this machine (etcdlab attach, etcdctl) reach a member
		// on its published port; containers on the compose network by its
		// name. etcdlab attach asks each member through the first.
		ms[i] = member{name: n,
			listenClient: []string{c.url("0.0.0.0", containerClientPort)}, advertiseClient: []string{host, c.url(n, containerClientPort)},
			listenPeer: c.url("0.0.0.0", containerPeerPort), advertisePeer: c.url(n, containerPeerPort),
			dataDir: containerDataDir, certFile: cert, keyFile: key, trustedCA: ca}
		urls[i] = host
	}
	lines := []string{
		fmt.Sprintf("# etcd v%s: %s in containers, named and timed as etcdlab runs them, on", version.Version, count(c.Members)),
		fmt.Sprintf("# the lab's ports %d-%d of 127.0.0.1. Start it with: docker compose up -d", c.BasePort, cluster.PeerPort(c.BasePort, c.Members)),
	}
	hostTLS := "./tls"
	if c.DataDir != "" {
		hostTLS = bindSource(c.hostTLSDir())
	}
	if c.TLS {
		lines = append(lines,
			fmt.Sprintf("# TLS: %s must hold ca.crt, server.crt and server.key; the certificate must name", hostTLS),
			fmt.Sprintf("# every member (%s, which peers dial) and 127.0.0.1 (clients on this machine), and", names(c.Members)),
			"# be signed by that CA, for server and client use (members present it to each other).",
			"# etcdlab's own certificates name only 127.0.0.1 and localhost: make these with your CA.")
	}
	lines = append(lines, "services:")
	for i, m := range ms {
		lines = append(lines,
			"  "+m.name+":",
			"    image: "+Image(),
			"    container_name: "+m.name,
			"    command:",
			"      - /usr/local/bin/etcd")
		for _, f := range c.flags(m, ms) {
			lines = append(lines, "      - "+yamlQuote("--"+f[0]+"="+f[1]))
		}
		lines = append(lines, "    ports:",
			"      - "+strconv.Quote(fmt.Sprintf("127.0.0.1:%d:%d", cluster.ClientPort(c.BasePort, i+1), containerClientPort)),
			"      - "+strconv.Quote(fmt.Sprintf("127.0.0.1:%d:%d", cluster.PeerPort(c.BasePort, i+1), containerPeerPort)),
			"    volumes:",
			"      - "+yamlQuote(c.volume(m.name)+":"+containerDataDir))
		if c.TLS {
			lines = append(lines, "      - "+yamlQuote(hostTLS+":"+containerTLSDir+":ro"))
		}
	}
	if c.DataDir == "" {
		lines = append(lines, "volumes:")
		for _, m := range ms {
			lines = append(lines, "  "+c.volume(m.name)+":")
		}
	}
	ca = hostTLS + "/ca.crt"
	return append(lines, c.attach(urls, ca)...)
}

// volume returns what holds member n's data: a named volume, or its dir
// under DataDir.
func (c Cluster) volume(n string) string {
	if c.DataDir == "" {
		return n + "-data"
	}
	return bindSource(c.hostDataDir(n))
}

// bindSource returns a host path as compose reads a bind mount: a relative
// path must start with ./ or ../, or compose takes it for a volume name.
func bindSource(p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "~") {
		return p
	}
	return "./" + p
}

// yamlQuote returns s as a YAML scalar: plain when YAML reads it back
// unchanged, double-quoted otherwise.
func yamlQuote(s string) string {
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=:,./@") == "" &&
		!strings.Contains(s, ": ") && !strings.HasSuffix(s, ":") && s != "" {
		return s
	}
	return strconv.Quote(s)
}
