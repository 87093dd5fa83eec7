package lab

import (
	"context"
	"errors"
	"sync"
	"time"
)

// background holds what runs between commands on the lab's behalf: watches,
// lease keep-alives and the lease refresher. Its zero value is ready; stop
// ends every goroutine it started and waits for them.
type background struct {
	mu     sync.Mutex
	ctx    context.Context // parent of every background goroutine's context
	cancel context.CancelFunc
	closed bool
	wg     sync.WaitGroup

	nextWatch int
	watches   map[int]*watch

	leases     map[int64]*leaseEntry
	refreshing bool
	// leaseTerm is the leader's term the lease book last saw, leaseTermAt
	// when it saw it change.
	leaseTerm   uint64
	leaseTermAt time.Time

	// writes stops the watch of other clients' writes, nil if none runs.
	writes context.CancelFunc
}

var errClosing = errors.New("the lab is shutting down")

// goLocked starts f in a goroutine that stop waits for. f's context ends
// when the returned cancel is called or when stop is. b.mu must be held.
func (b *background) goLocked(f func(ctx context.Context)) (context.CancelFunc, error) {
	if b.closed {
		return nil, errClosing
	}
	if b.ctx == nil {
		b.ctx, b.cancel = context.WithCancel(context.Background())
	}
	ctx, cancel := context.WithCancel(b.ctx)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer cancel()
		f(ctx)
	}()
	return cancel, nil
}

// stop cancels every background goroutine and waits until all have ended.
func (b *background) stop() {
	b.mu.Lock()
	b.closed = true
	if b.cancel != nil {
		b.cancel()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// whyGone says in a few words what happened to a member a stream was on.
func (l *Lab) whyGone(name string) string {
	st := l.c.Status()
	m, ok := st.Member(name)
	switch {
	case !ok:
		return name + " left the cluster"
	case !m.State.Running():
		return name + " was " + m.State.String()
	case st.CutOff(name):
		return name + " was cut off from the majority"
	case m.Leader == "":
		return name + " lost its leader"
	}
	return "the stream to " + name + " broke"
}

// memberDown reports whether a member cannot serve a stream that needs a
// leader: it is not running or cannot reach a quorum.
func (l *Lab) memberDown(name string) bool {
	st := l.c.Status()
	m, ok := st.Member(name)
	return !ok || !m.State.Running() || st.CutOff(name)
}
