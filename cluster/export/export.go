// Package export writes the lab's cluster as real etcd processes: a
// docker-compose.yml, a Procfile for goreman, or one shell command per
// machine. Each form starts the same etcd version the lab embeds, with the
// lab's member names, port scheme, cluster token and timings, and ends with
// the `etcdlab attach` line that watches the result.
//
// export.go holds the Cluster, the checks and the etcd flags every form
// shares; compose.go, procfile.go and commands.go write one form each.
package export

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/etcdlab/etcdlab/cluster"
	"go.etcd.io/etcd/api/v3/version"
)

// Format is one form of output.
type Format string

// The forms export writes.
const (
	// Compose is a docker-compose.yml: one container per member on the
	// official etcd image, each on 2379 and 2380 inside, published on the
	// lab's ports on 127.0.0.1.
	Compose Format = "compose"
	// Procfile is a Procfile for goreman, as in etcd's own repository:
	// every member a process on 127.0.0.1 with the lab's ports.
	Procfile Format = "procfile"
	// Commands is one shell command per member, each for its own machine,
	// as in etcd's clustering guide.
	Commands Format = "commands"
)

// Formats returns every form, in the order they are documented.
func Formats() []Format { return []Format{Compose, Procfile, Commands} }

// Token is the --initial-cluster-token of every form: the lab's own, and
// the seed's docker-compose.
const Token = "etcd-cluster"

// Image is the official etcd image at the version this module embeds. etcd
// publishes gcr.io/etcd-development/etcd as its primary registry and
// quay.io/coreos/etcd as the secondary one.
func Image() string { return "gcr.io/etcd-development/etcd:v" + version.Version }

// Cluster is the cluster to write out.
type Cluster struct {
	// Members is the number of members, 1..cluster.MaxMembers.
	Members int
	// BasePort is etcd1's client port in the lab's scheme
	// (cluster.ClientPort, cluster.PeerPort). Commands uses it and the port
	// above it on every machine.
	BasePort int
	// HeartbeatMs and ElectionMs are etcd's --heartbeat-interval and
	// --election-timeout.
	HeartbeatMs, ElectionMs int
	// TLS serves clients and peers over TLS; the output says which
	// certificates it needs.
	TLS bool
	// DataDir, if set, holds member etcdN's data in DataDir/etcdN, as the
	// lab lays it out, and the TLS files in DataDir/tls. Empty means etcd's
	// default (NAME.etcd in the working directory) for Procfile and
	// Commands, and a named volume per member for Compose.
	DataDir string
	// Hosts are the machines of Commands, one per member in order.
	Hosts []string
}

// Write writes c to w in format f.
func Write(w io.Writer, f Format, c Cluster) error {
	if err := c.Check(f); err != nil {
		return err
	}
	var lines []string
	switch f {
	case Compose:
		lines = c.compose()
	case Procfile:
		lines = c.procfile()
	case Commands:
		lines = c.commands()
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// Check reports the first reason c cannot be written in format f: a size,
// port or timing etcd or the lab refuses, or hosts that do not match the
// members.
func (c Cluster) Check(f Format) error {
	switch f {
	case Compose, Procfile, Commands:
	default:
		return fmt.Errorf("unknown format %q: choose compose, procfile or commands", f)
	}
	if err := cluster.ValidateMembers(c.Members); err != nil {
		return err
	}
	if err := cluster.ValidateBasePort(c.BasePort); err != nil {
		return err
	}
	if err := cluster.ValidateTimings(c.HeartbeatMs, c.ElectionMs); err != nil {
		return err
	}
	if f != Commands {
		return nil
	}
	if len(c.Hosts) != c.Members {
		return fmt.Errorf("%d members need %d hosts, one per member; got %d", c.Members, c.Members, len(c.Hosts))
	}
	seen := map[string]bool{}
	for _, h := range c.Hosts {
		if h == "" || (net.ParseIP(h) == nil && strings.ContainsAny(h, "/:@ \t'\"")) {
			return fmt.Errorf("host %q is not an address or a host name, e.g. 10.0.0.1 or etcd1.example.com", h)
		}
		if seen[h] {
			return fmt.Errorf("host %s is given twice: each member runs on its own machine", h)
		}
		seen[h] = true
	}
	return nil
}

// member is one etcd process: its name, the URLs it listens on and
// advertises, and where it keeps its data.
type member struct {
	name                          string
	listenClient, advertiseClient []string
	listenPeer, advertisePeer     string
	dataDir                       string
	certFile, keyFile, trustedCA  string
}

// name returns the name of member i (1-based), as the lab names it.
func name(i int) string { return "etcd" + strconv.Itoa(i) }

// scheme returns the URL scheme of clients and peers.
func (c Cluster) scheme() string {
	if c.TLS {
		return "https"
	}
	return "http"
}

// url returns scheme://host:port.
func (c Cluster) url(host string, port int) string {
	return c.scheme() + "://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// initialCluster returns etcd's --initial-cluster for the members' peer
// URLs.
func initialCluster(ms []member) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.name + "=" + m.advertisePeer
	}
	return strings.Join(parts, ",")
}

// flags returns the etcd flags, name and value, that start m in c as a
// member of a new cluster of ms.
func (c Cluster) flags(m member, ms []member) [][2]string {
	fl := [][2]string{{"name", m.name}}
	if m.dataDir != "" {
		fl = append(fl, [2]string{"data-dir", m.dataDir})
	}
	fl = append(fl,
		[2]string{"listen-client-urls", strings.Join(m.listenClient, ",")},
		[2]string{"advertise-client-urls", strings.Join(m.advertiseClient, ",")},
		[2]string{"listen-peer-urls", m.listenPeer},
		[2]string{"initial-advertise-peer-urls", m.advertisePeer},
		[2]string{"initial-cluster-token", Token},
		[2]string{"initial-cluster", initialCluster(ms)},
		[2]string{"initial-cluster-state", "new"},
		[2]string{"heartbeat-interval", strconv.Itoa(c.HeartbeatMs)},
		[2]string{"election-timeout", strconv.Itoa(c.ElectionMs)},
	)
	if c.TLS {
		// The lab's members: a server certificate for clients (who need
		// only the CA), and the same certificate between peers, each
		// checking the other against the CA.
		fl = append(fl,
			[2]string{"cert-file", m.certFile},
			[2]string{"key-file", m.keyFile},
			[2]string{"peer-cert-file", m.certFile},
			[2]string{"peer-key-file", m.keyFile},
			[2]string{"peer-trusted-ca-file", m.trustedCA},
		)
	}
	return fl
}

// tlsFiles returns the CA, certificate and key paths under dir.
func tlsFiles(dir string) (ca, cert, key string) {
	return dir + "/ca.crt", dir + "/server.crt", dir + "/server.key"
}

// hostTLSDir is where Procfile and Commands read the TLS files: the lab's
// own place in the data dir, or tls in the working directory.
func (c Cluster) hostTLSDir() string {
	if c.DataDir == "" {
		return "tls"
	}
	return strings.TrimSuffix(c.DataDir, "/") + "/tls"
}

// hostDataDir returns member n's data dir for Procfile and Commands, ""
// for etcd's default.
func (c Cluster) hostDataDir(n string) string {
	if c.DataDir == "" {
		return ""
	}
	return strings.TrimSuffix(c.DataDir, "/") + "/" + n
}

// attach returns the comment lines that end every form: how to watch the
// cluster with etcdlab.
func (c Cluster) attach(clientURLs []string, ca string) []string {
	line := "# etcdlab attach --endpoints " + strings.Join(clientURLs, ",")
	if c.TLS {
		line += " --cacert " + shellQuote(ca)
	}
	return []string{"", "# Watch it, once every member has started:", line}
}

// count returns "1 member" or "N members".
func count(n int) string {
	if n == 1 {
		return "1 member"
	}
	return strconv.Itoa(n) + " members"
}

// names returns "etcd1", or "etcd1..etcdN".
func names(n int) string {
	if n == 1 {
		return name(1)
	}
	return name(1) + ".." + name(n)
}

// shellQuote quotes s for a POSIX shell when it holds anything but the
// characters of a plain path, URL or flag value.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
