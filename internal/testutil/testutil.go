// Package testutil holds what every test package of etcdlab needs: a
// goroutine leak check that tolerates etcd's slow-closing peer connections,
// and non-colliding port blocks.
package testutil

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// leakWait is how long VerifyMain lets goroutines wind down. etcd's peer
// round-tripper keeps idle keep-alive connections between members that only
// close when etcd's 5 s connection read timeout fires; they are not leaks of
// ours, but they are real goroutines, so we wait for them instead of
// ignoring them. Under load on 2 cores they have been seen to outlive 15 s.
const leakWait = 30 * time.Second

// VerifyMain runs the tests, then fails the run if goroutines are still
// alive once leakWait has passed. opts are passed to goleak, e.g. to ignore
// a goroutine that a test library never ends.
func VerifyMain(m *testing.M, opts ...goleak.Option) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(leakWait)
		for {
			err := goleak.Find(opts...)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "goleak: goroutines still running %s after the tests: %v\n", leakWait, err)
				code = 1
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	os.Exit(code)
}

// Ports hands out blocks of ports from one package's own range, so that test
// packages run in parallel by `go test ./...` never collide.
type Ports struct {
	Start, End, Block int
	next              atomic.Int64
}

// Next returns the first port of a fresh block, or fails the test when the
// range is used up.
func (p *Ports) Next(t testing.TB) int {
	t.Helper()
	base := p.Start + int(p.next.Add(1)-1)*p.Block
	if base+p.Block > p.End {
		t.Fatalf("test port range %d-%d used up", p.Start, p.End)
	}
	return base
}

// Launch calls start with the first port of a fresh block, and again with
// the next block for as long as taken says start failed because another
// process holds one of its ports. Any other error fails the test. It
// returns the port start succeeded with.
func (p *Ports) Launch(t testing.TB, taken func(error) bool, start func(base int) error) int {
	t.Helper()
	for {
		base := p.Next(t)
		err := start(base)
		if err == nil {
			return base
		}
		if !taken(err) {
			t.Fatal(err)
		}
		t.Logf("ports from %d are taken, trying the next block: %v", base, err)
	}
}
