package main

import (
	"strings"
	"testing"
)

// TestServeEndpointsFollowTheMembers checks that serve prints the
// ETCDCTL_ENDPOINTS line again, whole, whenever a member is added or
// removed, so that a person who exported the first one can export it anew.
func TestServeEndpointsFollowTheMembers(t *testing.T) {
	s := startServe(t)
	first := s.endpoints()
	line := `(?m)^ETCDCTL_ENDPOINTS=\S+$`
	got := s.send(t, "member add", line)
	if want := "ETCDCTL_ENDPOINTS=" + first + "," + s.clientURL(4); got != want {
		t.Errorf("after member add serve printed %q, want %q\n%s", got, want, s.out.String())
	}
	got = s.send(t, "member remove etcd4", line)
	if want := "ETCDCTL_ENDPOINTS=" + first; got != want {
		t.Errorf("after member remove serve printed %q, want %q\n%s", got, want, s.out.String())
	}
	if n := strings.Count(s.out.String(), "ETCDCTL_ENDPOINTS="); n != 3 {
		t.Errorf("serve printed ETCDCTL_ENDPOINTS %d times, want 3 (start, add, remove):\n%s", n, s.out.String())
	}
}
