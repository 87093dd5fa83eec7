package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// TestConnectPaneFollowsTheMembers checks that the c pane shows the members
// added since the start, and that the log gives the new endpoints line.
func TestConnectPaneFollowsTheMembers(t *testing.T) {
	m := ready(t, Options{})
	grown := fakeConn
	grown.Members = append(append([]cluster.Endpoint(nil), fakeConn.Members...),
		cluster.Endpoint{Name: "etcd4", ClientURL: "http://127.0.0.1:2385", PeerURL: "http://127.0.0.1:2386"})
	grown.Env = []lab.EnvVar{{Name: "ETCDCTL_ENDPOINTS", Value: fakeConn.Env[0].Value + ",http://127.0.0.1:2385"}}
	m, _ = send(t, m, connMsg{conn: grown})
	viewHas(t, m, "the members changed; connect with: ETCDCTL_ENDPOINTS=")
	m, _ = send(t, m, keyEsc)
	m, _ = send(t, m, runes("c"))
	viewHas(t, m, "etcd4  client http://127.0.0.1:2385", "http://127.0.0.1:2385")
	n := len(m.events.entries)
	m, _ = send(t, m, connMsg{conn: grown})
	if len(m.events.entries) != n {
		t.Errorf("the same endpoints were logged again: %v", m.events.entries[n:])
	}
}

// TestConnectLinesPasteWhole checks that the lines meant to be copied are
// never wider than the pane and read back as the one line they stand for.
func TestConnectLinesPasteWhole(t *testing.T) {
	eps := "http://127.0.0.1:2379,http://127.0.0.1:2381,http://127.0.0.1:2383,http://127.0.0.1:2385,http://127.0.0.1:2387"
	for _, w := range []int{60, 80, 120} {
		line := "export ETCDCTL_ENDPOINTS=" + eps
		got := shellLines(line, w)
		for _, l := range got {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line %q is %d wide", w, l, ansi.StringWidth(l))
			}
		}
		if joined := strings.ReplaceAll(strings.Join(got, "\n"), "\\\n", ""); joined != line {
			t.Errorf("width %d: the shell reads %q, want %q", w, joined, line)
		}
		call := "etcd = etcd3.client(host='127.0.0.1', port=2379, ca_cert='/tmp/etcdlab-1971965538/tls/ca.crt', user='root', password='aebdb92921e4c474d5be2cea')"
		py := pythonLines(call, w)
		for _, l := range py {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: python line %q is %d wide", w, l, ansi.StringWidth(l))
			}
		}
		if joined := strings.Join(strings.Fields(strings.Join(py, " ")), " "); strings.ReplaceAll(joined, "( ", "(") != call {
			t.Errorf("width %d: python reads %q, want %q", w, joined, call)
		}
	}
	if q := shellQuote("/my dir/ca.crt"); q != `"/my dir/ca.crt"` {
		t.Errorf("shellQuote = %s", q)
	}
}

func TestEmptyGetSaysNoKeyMatched(t *testing.T) {
	c, err := lab.Parse("get missing")
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(c, lab.Result{}); got != "✓ get missing (0s): no key matched" {
		t.Errorf("summary = %q", got)
	}
	if got := resultEntries(c, lab.Result{}); len(got) != 0 {
		t.Errorf("an empty get logged %v; etcdctl prints nothing", got)
	}
}
