package lab

import (
	"context"
	"errors"
	"sync"

	"github.com/etcdlab/etcdlab/cluster"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/stats"
)

// EndpointAll is the --endpoint value that sends a command through one
// client of every member, as etcdctl given every endpoint does: gRPC picks
// a member round robin, with no idea of its health or of partitions.
const EndpointAll = "all"

// route is how one command reaches etcd. A command goes through:
//   - by default, one member on the majority side: a voter that is up and
//     can reach a quorum, taken in turn from those the status shows when
//     the command starts, so the choice follows every kill, partition and
//     election at once, like a client on the majority side of a partition;
//     with no quorum anywhere, any voter that is up;
//   - with --endpoint NAME, that member alone;
//   - with --endpoint all, one client of every member (gRPC round robin).
//
// The lab knows which member served the command: the one it chose, or for
// --endpoint all the address gRPC itself reports having sent it to.
type route struct {
	cli *clientv3.Client
	// via names the member the command goes through; "" for --endpoint
	// all until gRPC has sent it (see sent).
	via string
	// sent, for --endpoint all, records the address gRPC sent it to.
	sent *sentAddr
}

// route returns the route of a command given its --endpoint value.
func (l *Lab) route(endpoint string) (route, error) {
	switch endpoint {
	case EndpointAll:
		cli, _, err := l.client("")
		return route{cli: cli, sent: &sentAddr{}}, err
	case "":
		name, err := l.pick()
		if err != nil {
			return route{}, err
		}
		endpoint = name
	}
	cli, name, err := l.client(endpoint)
	return route{cli: cli, via: name}, err
}

// context returns ctx, carrying for --endpoint all where gRPC sends the call.
func (r route) context(ctx context.Context) context.Context {
	if r.sent == nil {
		return ctx
	}
	return context.WithValue(ctx, sentKey{}, r.sent)
}

// member returns the member the command went through, "" if unknown.
func (r route) member(l *Lab) string {
	if r.sent == nil {
		return r.via
	}
	addr := r.sent.get()
	for _, e := range l.c.Endpoints() {
		if addr != "" && hostPort(e.ClientURL) == addr {
			return e.Name
		}
	}
	return ""
}

// pick chooses the member a command without --endpoint goes through, in
// turn among the majority side of the status as it is now.
func (l *Lab) pick() (string, error) {
	names := majoritySide(l.c.Status())
	if len(names) == 0 {
		return "", errors.New("no voting member is running: restart one first")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.turn++
	return names[l.turn%len(names)], nil
}

// majoritySide returns the voters a client on the majority side reaches:
// those up and able to reach a quorum and, while a leader is known, able to
// exchange messages with it both ways (a member cut from its leader one way
// forwards proposals and read-index requests that never get an answer).
// With no quorum anywhere it returns every voter that is up, and failing
// that every voter that runs (a restarted member still starting), so that
// the error is etcd's own.
func majoritySide(st cluster.Status) []string {
	var up, running []string
	for _, m := range st.Members {
		if m.Learner || !m.State.Running() {
			continue
		}
		running = append(running, m.Name)
		if m.State == cluster.Up && !(st.HasQuorum && (st.CutOff(m.Name) || contains(m.Cut, st.Leader))) {
			up = append(up, m.Name)
		}
	}
	if len(up) == 0 {
		return running
	}
	return up
}

// sentAddr is the address gRPC sent a call to, as its stats handler
// reports it; the last attempt wins when clientv3 retries a read.
type sentAddr struct {
	mu   sync.Mutex
	addr string
}

func (a *sentAddr) set(s string) {
	a.mu.Lock()
	a.addr = s
	a.mu.Unlock()
}

func (a *sentAddr) get() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addr
}

// sentKey is the context key of a call's *sentAddr.
type sentKey struct{}

// sentTo is a gRPC stats handler that records, for a call whose context
// carries a *sentAddr, the remote address of the stream gRPC opened for
// it. That is the member --endpoint all reached, as gRPC knows it, not a
// guess from the cluster's state.
type sentTo struct{}

func (sentTo) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (sentTo) HandleRPC(ctx context.Context, s stats.RPCStats) {
	h, ok := s.(*stats.OutHeader)
	if !ok || !h.Client || h.RemoteAddr == nil {
		return
	}
	if a, ok := ctx.Value(sentKey{}).(*sentAddr); ok {
		a.set(h.RemoteAddr.String())
	}
}

func (sentTo) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (sentTo) HandleConn(context.Context, stats.ConnStats) {}
