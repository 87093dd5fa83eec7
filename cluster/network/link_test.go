package network

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// newTestNetwork returns a network of n members with relays and no etcd
// behind them, enough to test rules.
func newTestNetwork(t *testing.T, n int) *Network {
	t.Helper()
	net := New(Options{Seed: 1})
	t.Cleanup(func() { net.Close() })
	base := ports.Next(t)
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("etcd%d", i)
		u := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", base+i)}
		if err := net.AddMember(name, MemberID(name, []url.URL{u}, testToken), u); err != nil {
			t.Fatal(err)
		}
	}
	return net
}

func TestRuleErrors(t *testing.T) {
	net := newTestNetwork(t, 3)
	for _, tc := range []struct {
		name string
		err  error
		want any
		text string
	}{
		{"unknown from", net.Cut("etcd7", "etcd1"), &UnknownMemberError{}, `no member named "etcd7": choose one of etcd1, etcd2, etcd3, or all`},
		{"unknown to", net.Loss("etcd1", "nope", 5), &UnknownMemberError{}, `no member named "nope": choose one of etcd1, etcd2, etcd3, or all`},
		{"self", net.Cut("etcd2", "etcd2"), &SelfLinkError{}, "etcd2 -> etcd2 is no link: a member always reaches itself; name two different members"},
		{"negative delay", net.Delay("etcd1", "etcd2", -time.Millisecond, 0), &RangeError{}, "delay -1ms is out of range: choose 0 to 1m0s"},
		{"absurd delay", net.Delay("etcd1", "etcd2", time.Hour, 0), &RangeError{}, "delay 1h0m0s is out of range: choose 0 to 1m0s"},
		{"absurd jitter", net.Delay("etcd1", "etcd2", time.Second, 2*time.Minute), &RangeError{}, "jitter 2m0s is out of range: choose 0 to 1m0s"},
		{"negative loss", net.Loss("etcd1", "etcd2", -1), &RangeError{}, "loss -1% is out of range: choose 0 to 100%"},
		{"loss over 100", net.Loss(All, All, 101), &RangeError{}, "loss 101% is out of range: choose 0 to 100%"},
		{"loss NaN", net.Loss(All, All, math.NaN()), &RangeError{}, "loss NaN% is out of range: choose 0 to 100%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := reflect.New(reflect.TypeOf(tc.want)).Interface()
			if !errors.As(tc.err, target) {
				t.Fatalf("error %v (%T), want a %T", tc.err, tc.err, tc.want)
			}
			if tc.err.Error() != tc.text {
				t.Fatalf("error %q, want %q", tc.err, tc.text)
			}
		})
	}
	if rs := net.Rules(); len(rs) != 0 {
		t.Fatalf("bad input left rules behind: %v", rs)
	}
}

func TestRulesOnLinks(t *testing.T) {
	net := newTestNetwork(t, 3)
	links, err := net.Links(All, "etcd2")
	if err != nil || fmt.Sprint(links) != "[etcd1 -> etcd2 etcd3 -> etcd2]" {
		t.Fatalf("Links(all, etcd2) = %v, %v", links, err)
	}
	if links, _ := net.Links(All, All); len(links) != 6 {
		t.Fatalf("Links(all, all) = %v, want 6 links", links)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(net.Cut("etcd1", "etcd2"))
	must(net.Delay("etcd1", All, 50*time.Millisecond, 20*time.Millisecond))
	must(net.Loss(All, "etcd1", 20))
	want := "[etcd1 -> etcd2: cut delay 50ms±20ms etcd1 -> etcd3: delay 50ms±20ms etcd2 -> etcd1: loss 20% etcd3 -> etcd1: loss 20%]"
	if got := fmtRules(net.Rules()); got != want {
		t.Fatalf("rules %s\nwant  %s", got, want)
	}
	if net.Reachable("etcd1", "etcd2") || net.Reachable("etcd2", "etcd1") || !net.Reachable("etcd1", "etcd3") {
		t.Fatal("a one-way cut must make both ends unreachable to each other, and nothing else")
	}
	must(net.Loss("etcd3", "etcd2", 100))
	if net.Reachable("etcd2", "etcd3") {
		t.Fatal("a link that loses every message must count as cut")
	}
	must(net.Heal("etcd3", "etcd2"))
	must(net.Heal("etcd1", "etcd2"))
	if r, _ := net.Rule("etcd1", "etcd2"); !r.IsZero() {
		t.Fatalf("healed link still has %q", r)
	}
	must(net.HealMember("etcd3"))
	if got := fmtRules(net.Rules()); got != "[etcd2 -> etcd1: loss 20%]" {
		t.Fatalf("after healing etcd3: %s", got)
	}
	must(net.Loss("etcd2", "etcd1", 0))
	must(net.Delay("etcd2", "etcd1", 0, 0))
	if rs := net.Rules(); len(rs) != 0 {
		t.Fatalf("zero loss and delay leave %v", rs)
	}
	must(net.Cut(All, All))
	net.HealAll()
	if rs := net.Rules(); len(rs) != 0 {
		t.Fatalf("HealAll leaves %v", rs)
	}
}

func fmtRules(rs []LinkRule) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Link.String()+": "+r.Rule.String())
	}
	return fmt.Sprint(out)
}

// TestDelayKeepsOrder checks release = max(previous release, now + d ±
// jitter): within the jitter, never earlier than a message sent before.
func TestDelayKeepsOrder(t *testing.T) {
	net := newTestNetwork(t, 2)
	l := net.links[[2]*member{net.members[0], net.members[1]}]
	r := Rule{Delay: 50 * time.Millisecond, Jitter: 20 * time.Millisecond}
	now := time.Now()
	// Sent far apart, each is held 30-70ms, spread by the jitter.
	var early, late bool
	for i := 0; i < 1000; i++ {
		sent := now.Add(time.Duration(i) * 100 * time.Millisecond)
		at := l.releaseAt(sent, r)
		if held := at.Sub(sent); held < 30*time.Millisecond || held > 70*time.Millisecond {
			t.Fatalf("message %d held %s, want 50ms±20ms", i, held)
		}
		early = early || at.Sub(sent) < 40*time.Millisecond
		late = late || at.Sub(sent) > 60*time.Millisecond
	}
	if !early || !late {
		t.Fatal("the jitter never spread the delay")
	}
	// Sent close together, none overtakes another.
	now = now.Add(time.Hour)
	var prev time.Time
	for i := 0; i < 1000; i++ {
		sent := now.Add(time.Duration(i) * 100 * time.Microsecond)
		at := l.releaseAt(sent, r)
		if at.Before(prev) || at.Before(sent.Add(30*time.Millisecond)) {
			t.Fatalf("message %d released %v, before the previous one (%v) or too early", i, at.Sub(now), prev.Sub(now))
		}
		prev = at
	}
	if !l.releaseAt(now, Rule{}).IsZero() {
		t.Fatal("no delay must mean no wait")
	}
}

func TestLossRate(t *testing.T) {
	net := newTestNetwork(t, 2)
	l := net.links[[2]*member{net.members[0], net.members[1]}]
	lost := 0
	for i := 0; i < 10000; i++ {
		if l.lose(Rule{Loss: 20}) {
			lost++
		}
	}
	if lost < 1800 || lost > 2200 {
		t.Fatalf("20%% loss dropped %d of 10000", lost)
	}
	if l.lose(Rule{}) || !l.lose(Rule{Loss: 100}) {
		t.Fatal("0% must keep and 100% drop every message")
	}
}

func TestMembers(t *testing.T) {
	net := newTestNetwork(t, 3)
	u := url.URL{Scheme: "http", Host: "127.0.0.1:1"}
	id := MemberID("etcd1", []url.URL{u}, testToken)
	for _, err := range []error{
		net.AddMember("etcd1", 42, u),
		net.AddMember(All, 43, u),
		net.AddMember("x", 0, u),
		net.SetTarget("nope", u),
		net.RemoveMember("nope"),
	} {
		if err == nil {
			t.Fatal("bad member input accepted")
		}
	}
	if name, ok := net.Name(net.members[1].id); !ok || name != "etcd2" {
		t.Fatalf("Name = %q %v", name, ok)
	}
	if _, ok := net.Name(id); ok {
		t.Fatal("an unknown ID has a name")
	}
	if err := net.RemoveMember("etcd2"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(net.Members()); got != "[etcd1 etcd3]" {
		t.Fatalf("members after removal: %s", got)
	}
	if links, _ := net.Links(All, All); len(links) != 2 {
		t.Fatalf("links after removal: %v", links)
	}
}
