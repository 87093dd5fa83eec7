package lab

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestClientWritesAreToldFromTheLabs checks, on real members, that the
// writes of a client outside the lab are noted, one line each when few
// and as a count when many, and that the lab's own put, del and txn and a
// lease's end are not.
func TestClientWritesAreToldFromTheLabs(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	if r := must(t, l, "client-writes on"); !strings.Contains(r.Lines[0], "at most a line a second") {
		t.Fatalf("client-writes on = %q", r.Lines)
	}
	cfg, err := s.Cluster.ClientConfig(l.clientURLs(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	other, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	must(t, l, "put mine 1")
	must(t, l, "del mine")
	must(t, l, "txn then put mine 2")
	must(t, l, "lease grant 1 --id 7")
	must(t, l, "put leased x --lease=7")
	if _, err := other.Put(ctx, "greeting", "hello"); err != nil {
		t.Fatal(err)
	}
	var seen []string
	read := func(want string) string {
		t.Helper()
		seen = append(seen, watchNotes(t, l, "clients", want, 5*time.Second)...)
		return seen[len(seen)-1]
	}
	if n := read("greeting"); !strings.Contains(n, "PUT greeting=hello (rev") || !strings.Contains(n, "by a client outside the lab") {
		t.Errorf("note = %q", n)
	}
	must(t, l, "lease wait 7 --timeout 10s")
	for i := range 20 {
		if _, err := other.Put(ctx, fmt.Sprintf("busy/%d", i%5), "v"); err != nil {
			t.Fatal(err)
		}
	}
	// 20 writes in well under a second: a count, not 20 lines.
	if n := read("in the last second"); !strings.Contains(n, "writes by clients outside the lab in the last second (rev") || !strings.Contains(n, "busy/0") {
		t.Errorf("note = %q", n)
	}
	must(t, l, "put mine 3")
	if _, err := other.Delete(ctx, "greeting"); err != nil {
		t.Fatal(err)
	}
	read("DELETE greeting")
	t.Logf("notes:\n%s", strings.Join(seen, "\n"))
	for _, n := range seen {
		if strings.Contains(n, "mine") || strings.Contains(n, "leased") {
			t.Errorf("the lab's own write or a lease's end was noted as a client's: %q", n)
		}
	}
	must(t, l, "client-writes off")
}
