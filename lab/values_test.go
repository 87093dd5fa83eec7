package lab

import (
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestAwkwardKeysAndValues covers empty, binary, very long and too large
// keys and values: each is stored or refused by etcd, and reported in one
// plain line that cannot disturb a terminal.
func TestAwkwardKeysAndValues(t *testing.T) {
	s := start(t, 3)
	l := s.Lab

	r := exec(t, l, `put "" v`)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "the key is empty") {
		t.Errorf(`put "" v: %v`, r.Err)
	}
	must(t, l, `put empty ""`)
	if r := must(t, l, "get empty"); len(r.Values) != 1 || r.Values[0] != "" {
		t.Errorf("empty value read back as %q", r.Values)
	}

	// Binary and escape sequences, written by another client.
	cfg, err := s.Cluster.ClientConfig([]string{s.Cluster.Endpoints()[0].ClientURL}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	binary := "\x00\xff\x1b[2J\x07bell"
	if _, err := cli.Put(ctx, "bin", binary); err != nil {
		t.Fatal(err)
	}
	r = must(t, l, "get bin")
	if r.Lines[1] != `\x00\xff\x1b[2J\abell` {
		t.Errorf("binary value shown as %q", r.Lines[1])
	}
	if r.Values[0] != binary {
		t.Errorf("expect would compare %q, not the raw value", r.Values[0])
	}

	// A long value is stored whole and shown cut.
	long := strings.Repeat("é", 100_000)
	must(t, l, "put long "+long)
	r = must(t, l, "get long")
	if len(r.Values[0]) != len(long) || len(r.Lines[1]) > maxShown+40 || !strings.HasSuffix(r.Lines[1], "(200 kB in all)") {
		t.Errorf("long value: stored %d bytes, shown %d bytes ending %q", len(r.Values[0]), len(r.Lines[1]), r.Lines[1][len(r.Lines[1])-20:])
	}

	// Over etcd's request limit (1.5 MiB): refused plainly.
	huge := &Command{Name: "put", Args: []string{"huge", strings.Repeat("x", 1600*1024)}, Flags: map[string]string{}, Text: "put huge <1.6 MiB>"}
	r = l.Exec(context.Background(), huge)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "larger than etcd's limit") {
		t.Errorf("1.6 MiB put: %v", r.Err)
	}
	bigger := &Command{Name: "put", Args: []string{"huge", strings.Repeat("x", 3<<20)}, Flags: map[string]string{}, Text: "put huge <3 MiB>"}
	if r := l.Exec(context.Background(), bigger); r.Err == nil || !strings.Contains(r.Err.Error(), "too large") && !strings.Contains(r.Err.Error(), "larger than") {
		t.Errorf("3 MiB put: %v", r.Err)
	}
	must(t, l, "put after ok")
}
