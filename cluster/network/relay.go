package network

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/etcdserver/api/rafthttp"
)

// relay serves one member's advertised peer URL and forwards each request
// to the member's real listen URL, applying the rules of the link it
// travels. A request belongs to a link by its sender: rafthttp marks every
// pipeline POST and stream GET with X-Server-From (the sender's ID in hex).
type relay struct {
	n   *Network
	m   *member
	srv *http.Server

	mu      sync.Mutex
	active  int
	closing bool
	idle    *sync.Cond
}

func startRelay(n *Network, m *member) (*relay, error) {
	ln, err := net.Listen("tcp", m.advertise.Host)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for %s's relay: %v", m.advertise.Host, m.name, err)
	}
	if m.advertise.Scheme == "https" {
		if n.opts.ServerTLS == nil {
			ln.Close()
			return nil, fmt.Errorf("%s advertises %s, but the network has no server TLS configuration", m.name, m.advertise.String())
		}
		ln = tls.NewListener(ln, http11(n.opts.ServerTLS))
	}
	r := &relay{n: n, m: m}
	r.idle = sync.NewCond(&r.mu)
	r.srv = &http.Server{
		Handler:  r,
		ErrorLog: log.New(io.Discard, "", 0),
		// HTTP/1.1 only, as rafthttp speaks it.
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 5 * time.Second,
		// etcd's peer listener ends a connection that reads nothing for
		// 5 s (rafthttp.ConnReadTimeout), which is how the keep-alive
		// connections of etcd's pipeline and lease clients, which set no
		// read timeout of their own, are closed. A relay stands in for
		// that listener, so it ends idle ones likewise; without it they
		// would outlive the members that opened them.
		IdleTimeout: rafthttp.ConnReadTimeout,
	}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// close stops the relay: it closes the listener and every connection, and
// waits until every handler has returned.
func (r *relay) close() {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	_ = r.srv.Close()
	r.mu.Lock()
	for r.active > 0 {
		r.idle.Wait()
	}
	r.mu.Unlock()
}

func (r *relay) enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.active++
	return true
}

func (r *relay) leave() {
	r.mu.Lock()
	r.active--
	if r.active == 0 {
		r.idle.Broadcast()
	}
	r.mu.Unlock()
}

// ServeHTTP routes a peer request by what it carries.
func (r *relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !r.enter() {
		hangUp(w)
		return
	}
	defer r.leave()
	switch {
	case req.Method == http.MethodPost && req.URL.Path == "/raft":
		r.servePipeline(w, req)
	case req.Method == http.MethodPost && req.URL.Path == "/raft/snapshot":
		r.serveSnapshot(w, req)
	case req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, "/raft/stream/"):
		r.serveStream(w, req)
	default:
		r.serveExchange(w, req)
	}
}

// sender returns the member that sent req: by its X-Server-From header, or
// else by a verified client certificate named after a member. It returns
// nil when the sender is unknown.
func (r *relay) sender(req *http.Request) *member {
	r.n.mu.RLock()
	defer r.n.mu.RUnlock()
	if h := req.Header.Get("X-Server-From"); h != "" {
		if id, err := types.IDFromString(h); err == nil {
			return r.n.byID(id)
		}
	}
	if name := certName(req); name != "" {
		return r.n.byName(name)
	}
	return nil
}

// servePipeline relays one Raft message POSTed to /raft by its sender.
func (r *relay) servePipeline(w http.ResponseWriter, req *http.Request) {
	from := r.sender(req)
	body, err := readBody(req)
	if err != nil {
		hangUp(w) // the sender went away
		return
	}
	h, herr := parseHeader(body)
	l := r.n.link(from, r.m)
	if l == nil || herr != nil {
		r.n.other.count(req, 0)
		r.forward(w, req, bytes.NewReader(body), int64(len(body)))
		return
	}
	switch r.admit(w, req, l, h) {
	case lost:
		// Lost on the way: rafthttp's pipeline takes no answer but 204 as
		// delivered, and Raft retries what it needs.
		w.WriteHeader(http.StatusNoContent)
		return
	case stopped:
		return
	}
	resp, err := r.upstream(req, bytes.NewReader(body), int64(len(body)))
	if err != nil {
		hangUp(w)
		return
	}
	defer resp.Body.Close()
	l.meter.message(time.Now(), KindOf(h.Type), false, len(body))
	if resp.StatusCode == http.StatusNoContent {
		r.n.progress.received(l, h, time.Now())
	}
	copyResponse(w, resp)
}

// verdict is what a link's rule makes of a request.
type verdict int

const (
	pass    verdict = iota // forward it
	lost                   // lost to a loss rule: the caller answers
	stopped                // refused by a cut, or its sender went away
)

// admit applies l's rule to the one message a request carries: it
// refuses it on a cut link, draws a loss, and holds it for a delay.
func (r *relay) admit(w http.ResponseWriter, req *http.Request, l *link, h header) verdict {
	now := time.Now()
	r.n.progress.sent(l, h, now)
	rule := l.current()
	if rule.Cut {
		l.meter.refuse(now, 1)
		hangUp(w)
		return stopped
	}
	if l.lose(rule) {
		l.meter.drop(now)
		return lost
	}
	if !r.hold(w, req, l, l.releaseAt(now, rule)) {
		return stopped
	}
	return pass
}

// hold waits until at (if set) unless the sender goes away, and refuses the
// request if the link was cut meanwhile. It reports whether to go on.
func (r *relay) hold(w http.ResponseWriter, req *http.Request, l *link, at time.Time) bool {
	if at.IsZero() {
		return true
	}
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
	case <-req.Context().Done():
		return false
	}
	if l.current().Cut {
		l.meter.refuse(time.Now(), 1)
		hangUp(w)
		return false
	}
	return true
}

// serveSnapshot relays a snapshot POSTed to /raft/snapshot: a
// length-prefixed MsgSnap, then the database, streamed.
func (r *relay) serveSnapshot(w http.ResponseWriter, req *http.Request) {
	from := r.sender(req)
	dec := newMessageReader(req.Body)
	f, err := dec.next()
	if err != nil {
		hangUp(w)
		return
	}
	head := append([]byte(nil), f.raw...)
	body := &countingReader{r: io.MultiReader(bytes.NewReader(head), dec.r)}
	l := r.n.link(from, r.m)
	if l == nil {
		r.n.other.count(req, 0)
		r.forward(w, req, body, -1)
		return
	}
	switch r.admit(w, req, l, f.h) {
	case lost:
		// A snapshot is one long request: losing it fails the request, and
		// the leader reports the snapshot failed and sends it again later.
		hangUp(w)
		return
	case stopped:
		return
	}
	resp, err := r.upstream(req, body, -1)
	if err != nil {
		hangUp(w)
		return
	}
	defer resp.Body.Close()
	l.meter.message(time.Now(), KindSnap, false, len(head))
	l.meter.bytes(time.Now(), int(body.n)-len(head))
	if resp.StatusCode == http.StatusNoContent {
		r.n.progress.received(l, f.h, time.Now())
	}
	copyResponse(w, resp)
}

// serveExchange relays a request that is no Raft message: rafthttp's
// probing, /version, /members, lease renewals and TimeToLive (/leases,
// /leases/internal), which etcd sends with a plain HTTP client and no
// X-Server-From. Its sender is known only under TLS with member-named
// client certificates. A request needs its link, and its answer the link
// back: with a known sender, a cut either way fails it (a cut back after
// the request was delivered, so it took effect); with an unknown sender,
// only when every possible sender's link is cut.
func (r *relay) serveExchange(w http.ResponseWriter, req *http.Request) {
	from := r.sender(req)
	l, back := r.n.link(from, r.m), r.n.link(r.m, from)
	if from == nil {
		r.n.other.count(req, 0)
	}
	now := time.Now()
	if r.n.cutTo(from, r.m) {
		r.refuseExchange(w, l)
		return
	}
	if l != nil && !r.hold(w, req, l, l.releaseAt(now, l.current())) {
		return
	}
	resp, err := r.upstream(req, req.Body, req.ContentLength)
	if err != nil {
		hangUp(w)
		return
	}
	defer resp.Body.Close()
	if r.n.cutFrom(r.m, from) {
		r.refuseExchange(w, back) // delivered, but its answer is lost
		return
	}
	if back != nil && !r.hold(w, req, back, back.releaseAt(time.Now(), back.current())) {
		return
	}
	copyResponse(w, resp)
}

func (r *relay) refuseExchange(w http.ResponseWriter, l *link) {
	if l != nil {
		l.meter.refuse(time.Now(), 1)
	} else {
		r.n.other.count(nil, 1)
	}
	hangUp(w)
}

// cutTo reports whether a request from sender (nil: unknown) to m crosses
// a cut: the sender's link is cut, or, for an unknown sender, every other
// member's link to m is.
func (n *Network) cutTo(sender, m *member) bool {
	return n.allCut(sender, m, func(o *member) [2]*member { return [2]*member{o, m} })
}

// cutFrom reports whether an answer from m to sender (nil: unknown)
// crosses a cut, as cutTo does for requests.
func (n *Network) cutFrom(m, sender *member) bool {
	return n.allCut(sender, m, func(o *member) [2]*member { return [2]*member{m, o} })
}

func (n *Network) allCut(sender, m *member, key func(*member) [2]*member) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	any := false
	for _, o := range n.members {
		if o == m || (sender != nil && o != sender) {
			continue
		}
		l := n.links[key(o)]
		if l == nil || !l.current().Cut {
			return false
		}
		any = true
	}
	return any
}
