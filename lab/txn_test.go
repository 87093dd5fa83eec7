package lab

import (
	"context"
	"strings"
	"sync"
	"testing"
)

func TestTxn(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "put balance 100")
	for _, tc := range []struct {
		line  string
		lines []string
	}{
		{"txn --endpoint etcd1 if value(balance) = 100 then put balance 70 else get balance", []string{"SUCCESS", "", "OK"}},
		{"txn --endpoint etcd2 if value(balance) = 100 then put balance 50 else get balance", []string{"FAILURE", "", "balance", "70"}},
		{"txn if create(lock) = 0 then put lock alice; get lock else get lock", []string{"SUCCESS", "", "OK", "", "lock", "alice"}},
		{"txn if create(lock) = 0 then put lock bob else get lock", []string{"FAILURE", "", "lock", "alice"}},
		{"txn if version(lock) = 1 and value(lock) != bob then del lock", []string{"SUCCESS", "", "1"}},
		{"txn if version(lock) > 0 then del lock", []string{"FAILURE"}},
		{"txn then put a 1; put b 2", []string{"SUCCESS", "", "OK", "", "OK"}},
		{"txn if mod(a) < 1 then get a else 'get a b0 --keys-only'", []string{"FAILURE", "", "a", "b"}},
	} {
		r := must(t, l, tc.line)
		if strings.Join(r.Lines, "\n") != strings.Join(tc.lines, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.line, r.Lines, tc.lines)
		}
	}
	for _, tc := range []struct {
		line string
		pass bool
	}{
		{"expect txn if value(balance) = 70 then put balance 20 == SUCCESS", true},
		{"expect txn if value(balance) = 70 then put balance 10 else get balance == FAILURE 20", true},
		{"expect txn if value(balance) = 70 then put balance 10 else get balance == SUCCESS", false},
		{"expect txn then del a == SUCCESS 1", true},
	} {
		if r := exec(t, l, tc.line); (r.Err == nil) != tc.pass {
			t.Errorf("%s: %v, want pass=%v", tc.line, r.Err, tc.pass)
		}
	}

	// A lock held through a lease: the holder's death (here a revoke)
	// frees it for the next client.
	must(t, l, "lease grant 30 --id 7")
	must(t, l, "expect txn if create(mutex) = 0 then 'put mutex alice --lease=7' else get mutex == SUCCESS")
	must(t, l, "expect txn if lease(mutex) = 7 then get mutex == SUCCESS alice")
	must(t, l, "expect txn if create(mutex) = 0 then put mutex bob else get mutex == FAILURE alice")
	must(t, l, "lease revoke 7")
	must(t, l, "expect txn if create(mutex) = 0 then put mutex bob else get mutex == SUCCESS")
	must(t, l, "expect txn if lease(mutex) = 0 then get mutex == SUCCESS bob")

	if r := exec(t, l, "txn --endpoint etcd9 then put k v"); r.Err == nil || !strings.Contains(r.Err.Error(), `no member named "etcd9"`) {
		t.Errorf("txn through an unknown member: %v", r.Err)
	}
	if r := exec(t, l, "txn then put k v; put k w"); r.Err == nil || !strings.Contains(r.Err.Error(), "duplicate key") {
		t.Errorf("txn writing a key twice: %v", r.Err)
	}
}

// TestTxnCompareAndSwapRace runs two clients' compare-and-swap at the same
// time, each through its own member, many times: exactly one wins each round.
func TestTxnCompareAndSwapRace(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "put owner none")
	for round := range 20 {
		prev := "none"
		if round > 0 {
			prev = must(t, l, "get owner").Values[0]
		}
		var wg sync.WaitGroup
		results := make([]Result, 2)
		for i, who := range []string{"etcd1", "etcd2"} {
			c, err := Parse("txn --endpoint " + who + " if value(owner) = " + prev + " then put owner " + who + "-" + string(rune('a'+round)) + " else get owner")
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = l.Exec(context.Background(), c)
			}()
		}
		wg.Wait()
		wins := 0
		for _, r := range results {
			if r.Err != nil {
				t.Fatalf("round %d: %v", round, r.Err)
			}
			if r.Values[0] == "SUCCESS" {
				wins++
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d clients won, want exactly 1: %q %q", round, wins, results[0].Lines, results[1].Lines)
		}
	}
}
