package network

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

var captureFlag = flag.Bool("capture", false, "record real stream traffic into testdata/ (TestCaptureTraffic)")

// capture is one stream's frames as the member sent them.
type capture struct {
	typ           string
	local, remote uint64
	raw           []byte
}

const captureMagic = "etcdlab-capture"

func (c *capture) marshal() []byte {
	return append([]byte(fmt.Sprintf("%s %s %x %x\n", captureMagic, c.typ, c.local, c.remote)), c.raw...)
}

func parseCapture(b []byte) (*capture, error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, fmt.Errorf("no header line")
	}
	c := &capture{raw: b[i+1:]}
	var magic string
	if _, err := fmt.Sscanf(string(b[:i]), "%s %s %x %x", &magic, &c.typ, &c.local, &c.remote); err != nil || magic != captureMagic {
		return nil, fmt.Errorf("bad header line %q: %v", b[:i], err)
	}
	return c, nil
}

// loadCaptures reads every testdata/*.bin capture.
func loadCaptures(t testing.TB) []*capture {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bin"))
	if len(files) == 0 {
		t.Fatal("no captures in testdata/: run go test -run TestCaptureTraffic -capture")
	}
	var out []*capture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := parseCapture(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, c)
	}
	return out
}

// TestCaptureTraffic records the streams of a 3-member cluster doing a bit
// of everything (puts small and large, puts through followers, reads, a
// lease, a leader transfer) into testdata/, for the codec tests. It runs
// only with -capture.
func TestCaptureTraffic(t *testing.T) {
	if !*captureFlag {
		t.Skip("run with -capture to record traffic")
	}
	var mu sync.Mutex
	caps := map[*stream]*capture{}
	record := func(s *stream, typ string, raw []byte) {
		mu.Lock()
		defer mu.Unlock()
		cp := caps[s]
		if cp == nil {
			cp = &capture{typ: typ, local: s.local, remote: s.remote}
			caps[s] = cp
		}
		if len(cp.raw) < 96*1024 {
			cp.raw = append(cp.raw, raw...)
		}
	}
	c := newCluster(t, 3, opts{capture: record})
	l := c.waitLeader()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	big := strings.Repeat("x", 8*1024)
	for i := 0; i < 60; i++ {
		m := c.members[i%3]
		val := "v"
		if i%10 == 0 {
			val = big
		}
		c.mustPut(m, fmt.Sprintf("key-%d", i), val)
		if _, err := m.cli.Get(ctx, "key-0"); err != nil {
			t.Fatal(err)
		}
	}
	lease, err := l.cli.Grant(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.others(l)[0].cli.Put(ctx, "leased", "v", clientv3.WithLease(lease.ID)); err != nil {
		t.Fatal(err)
	}
	to := c.others(l)[0]
	if _, err := l.cli.MoveLeader(ctx, uint64(to.id)); err != nil {
		t.Fatal(err)
	}
	c.waitFor("the new leader", 10*time.Second, func() bool { return c.leader() == to })
	for i := 0; i < 20; i++ {
		c.mustPut(c.members[i%3], fmt.Sprintf("after-%d", i), "v")
	}
	c.converge(10 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	os.MkdirAll("testdata", 0o755)
	old, _ := filepath.Glob(filepath.Join("testdata", "*.bin"))
	for _, f := range old {
		os.Remove(f)
	}
	n := 0
	for _, cp := range caps {
		if len(cp.raw) == 0 {
			continue
		}
		n++
		name := filepath.Join("testdata", fmt.Sprintf("%s-%x-to-%x-%d.bin", cp.typ, cp.remote, cp.local, n))
		if err := os.WriteFile(name, cp.marshal(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", name, len(cp.raw))
	}
	c.checkLogs()
}
