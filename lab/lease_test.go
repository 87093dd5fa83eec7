package lab

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLeaseCommands(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	r := must(t, l, "lease grant 10")
	if !regexp.MustCompile(`^lease [0-9a-f]{16} granted with TTL\(10s\)$`).MatchString(r.Lines[0]) {
		t.Errorf("lease grant = %q", r.Lines)
	}
	other := r.Values[0]
	r = must(t, l, "lease grant 30 --id 1a")
	if r.Lines[0] != "lease 000000000000001a granted with TTL(30s)" {
		t.Errorf("lease grant --id = %q", r.Lines)
	}
	if r := exec(t, l, "lease grant 5 --id 1a"); r.Err == nil || !strings.Contains(r.Err.Error(), "lease 000000000000001a already exists") {
		t.Errorf("grant of an existing ID: %v", r.Err)
	}
	must(t, l, "put session/a on --lease=1a")
	must(t, l, "put session/b on --lease 000000000000001a")
	must(t, l, "put config c")
	must(t, l, "expect lease timetolive 1a --keys == live session/a session/b")
	r = must(t, l, "lease timetolive 1a --keys")
	if !regexp.MustCompile(`^lease 000000000000001a granted with TTL\(30s\), remaining\(\d+s\), attached keys\(\[session/a session/b\]\)$`).MatchString(r.Lines[0]) {
		t.Errorf("timetolive = %q", r.Lines)
	}
	r = must(t, l, "lease list")
	if r.Lines[0] != "found 2 leases" || strings.Join(r.Values, " ") != "000000000000001a "+other {
		t.Errorf("lease list = %q %q", r.Lines, r.Values)
	}

	r = must(t, l, "lease keep-alive 1a")
	if !strings.HasPrefix(r.Lines[0], "lease 000000000000001a keepalived with TTL(30); renewing it in the background every 10s") {
		t.Errorf("keep-alive = %q", r.Lines)
	}
	if r := exec(t, l, "lease keep-alive 1a"); r.Err == nil || !strings.Contains(r.Err.Error(), "already kept alive") {
		t.Errorf("second keep-alive: %v", r.Err)
	}
	pollLeases(t, l, "lease 1a with its keys and keep-alive", func(ls []LeaseInfo) bool {
		for _, i := range ls {
			if i.Hex() == "000000000000001a" {
				return i.KeepAlive && i.TTL == 30*time.Second && i.Remaining > 20*time.Second && strings.Join(i.Keys, ",") == "session/a,session/b"
			}
		}
		return false
	})
	r = must(t, l, "lease keep-alive 1a --stop")
	if !strings.HasPrefix(r.Lines[0], "stopped keeping lease 000000000000001a alive after 1 renewal") {
		t.Errorf("keep-alive --stop = %q", r.Lines)
	}
	if r := exec(t, l, "lease keep-alive 1a --stop"); r.Err == nil || !strings.Contains(r.Err.Error(), "not kept alive") {
		t.Errorf("second --stop: %v", r.Err)
	}
	r = must(t, l, "lease keep-alive 1a --once")
	if r.Lines[0] != "lease 000000000000001a keepalived with TTL(30)" {
		t.Errorf("keep-alive --once = %q", r.Lines)
	}

	r = must(t, l, "lease revoke 1a")
	if strings.Join(r.Lines, "\n") != "lease 000000000000001a revoked\netcd deleted its keys: session/a, session/b" {
		t.Errorf("revoke = %q", r.Lines)
	}
	must(t, l, "expect get session --prefix ==")
	must(t, l, "expect get config == c")
	must(t, l, "expect lease timetolive 1a == expired")
	for _, tc := range []struct{ line, want string }{
		{"lease revoke 1a", "lease 000000000000001a is not found"},
		{"lease keep-alive 1a", "lease 000000000000001a is not found"},
		{"lease keep-alive 1a --once", "lease 000000000000001a is not found"},
		{"put k v --lease=1a", "requested lease not found"},
	} {
		if r := exec(t, l, tc.line); r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, r.Err, tc.want)
		}
	}
	pollLeases(t, l, "only the first lease", func(ls []LeaseInfo) bool { return len(ls) == 1 && ls[0].Hex() == other })
	r = must(t, l, "lease wait 1a")
	if !strings.HasPrefix(r.Lines[0], "lease 000000000000001a is gone") {
		t.Errorf("lease wait on a revoked lease = %q", r.Lines)
	}
}

// pollLeases polls Leases until ok holds.
func pollLeases(t *testing.T, l *Lab, what string, ok func([]LeaseInfo) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ls := l.Leases()
		if ok(ls) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Leases() never showed %s: %+v", what, ls)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLeaseExpiryTakesItsKeys(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "watch lock/ --prefix")
	must(t, l, "lease grant 2 --id 2")
	must(t, l, "put lock/a x --lease=2")
	must(t, l, "put lock/b y --lease=2")
	pollLeases(t, l, "lease 2 with its keys", func(ls []LeaseInfo) bool { return len(ls) == 1 && len(ls[0].Keys) == 2 })
	r := must(t, l, "lease wait 2")
	if !regexp.MustCompile(`^lease 0000000000000002 is gone [0-9.]+m?s after its grant \(TTL 2s\); its keys went with it: lock/a, lock/b$`).MatchString(r.Lines[0]) {
		t.Errorf("lease wait = %q", r.Lines)
	}
	n := waitNote(t, l, "lease", "0000000000000002 expired", 5*time.Second)
	if !strings.Contains(n.Text, "etcd deleted its keys: lock/a, lock/b") {
		t.Errorf("expiry note = %q", n.Text)
	}
	must(t, l, "expect get lock/ --prefix ==")
	r = must(t, l, "watches 1")
	if got := strings.Join(r.Values, " "); got != "lock/a=x lock/b=y del:lock/a del:lock/b" {
		t.Errorf("watch saw %q, want both puts and both deletes", got)
	}
	pollLeases(t, l, "no lease", func(ls []LeaseInfo) bool { return len(ls) == 0 })
	if r := exec(t, l, "lease wait 3 --timeout 300ms"); r.Err != nil || !strings.Contains(r.Lines[0], "gone") {
		t.Errorf("lease wait on an unknown lease: %v %q", r.Err, r.Lines)
	}
	must(t, l, "lease grant 60 --id 4")
	if r := exec(t, l, "lease wait 4 --timeout 300ms"); r.Err == nil || !strings.Contains(r.Err.Error(), "not gone within 300ms (it is still live)") {
		t.Errorf("lease wait on a live lease: %v", r.Err)
	}
}

// TestLeaseAcrossLeaderChange shows what a new leader does to leases: one
// nobody renews gets its countdown restarted; one kept alive keeps being
// renewed, through whichever member the keep-alive stream reaches.
func TestLeaseAcrossLeaderChange(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd1")
	must(t, l, "lease grant 20 --id 5")
	must(t, l, "lease grant 4 --id 6")
	must(t, l, "lease keep-alive 6")
	pollLeases(t, l, "lease 5 counting down", func(ls []LeaseInfo) bool {
		for _, i := range ls {
			if i.Hex() == "0000000000000005" {
				return i.Remaining < 17*time.Second
			}
		}
		return false
	})
	must(t, l, "kill etcd1")
	must(t, l, "wait leader --timeout 15s")
	n := waitNote(t, l, "lease", "0000000000000005: the new leader", 15*time.Second)
	t.Logf("note: %s", n.Text)
	r := must(t, l, "lease timetolive 5")
	if !regexp.MustCompile(`remaining\((1[89]|2[01])s\)`).MatchString(r.Lines[0]) {
		t.Errorf("after the election: %q, want about 20s + the election timeout left", r.Lines)
	}
	// Lease 6 outlives its 4 s TTL only if the keep-alive survived.
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		must(t, l, "expect lease timetolive 6 == live")
		time.Sleep(200 * time.Millisecond)
	}
}
