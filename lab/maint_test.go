package lab

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestCompactDefragSnapshot(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	big := strings.Repeat("x", 20000)
	for i := range 40 {
		must(t, l, fmt.Sprintf("put blob/%d %s", i%4, big))
	}
	must(t, l, "put k last")
	rev := s.Cluster.Status().Revision
	if r := must(t, l, "get blob/0 --rev 2"); len(r.Values) != 1 {
		t.Fatalf("history before compaction: %q", r.Values)
	}
	r := must(t, l, fmt.Sprintf("compact %d --physical", rev))
	if r.Lines[0] != fmt.Sprintf("compacted revision %d", rev) {
		t.Errorf("compact = %q", r.Lines)
	}
	if r := exec(t, l, "get blob/0 --rev 2"); r.Err == nil || !strings.Contains(r.Err.Error(), "that revision has been compacted") {
		t.Errorf("read of a compacted revision: %v", r.Err)
	}
	if r := exec(t, l, "compact 3"); r.Err == nil || !strings.Contains(r.Err.Error(), "revision 3 is compacted already") {
		t.Errorf("compact an old revision: %v", r.Err)
	}
	if r := exec(t, l, "compact 100000"); r.Err == nil || !strings.Contains(r.Err.Error(), "revision 100000 is in the future") {
		t.Errorf("compact a future revision: %v", r.Err)
	}

	r = must(t, l, "defrag")
	re := regexp.MustCompile(`^Finished defragmenting etcd member\[http://127\.0\.0\.1:\d+\]\. took \S+, db size before (\S+ [kM]?B) \(\S+ [kM]?B in use\), after (\S+ [kM]?B)$`)
	if len(r.Lines) != 3 {
		t.Fatalf("defrag = %q", r.Lines)
	}
	for _, line := range r.Lines {
		m := re.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("defrag line %q", line)
			continue
		}
		if bytesOf(m[2]) >= bytesOf(m[1]) {
			t.Errorf("defrag did not shrink the db: %q", line)
		}
	}
	must(t, l, "kill etcd3")
	r = exec(t, l, "defrag --endpoint etcd3")
	if r.Err == nil || !strings.Contains(r.Err.Error(), "1 of 1 members were not defragmented (etcd3)") || !strings.Contains(r.Err.Error(), "etcd3 is killed") {
		t.Errorf("defrag of a killed member: %v", r.Err)
	}

	path := filepath.Join(t.TempDir(), "backup.db")
	r = must(t, l, "snapshot save "+path+" --endpoint etcd2")
	if r.Lines[0] != "Snapshot saved at "+path || !regexp.MustCompile(`^from etcd2: \S+ k?B, revision \d+, \d+ key revisions, storage version 3\.\d+\.\d+$`).MatchString(r.Lines[1]) {
		t.Errorf("snapshot save = %q", r.Lines)
	}
	if got, _ := strconv.ParseInt(r.Values[0], 10, 64); got != rev {
		t.Errorf("snapshot revision = %d, want %d", got, rev)
	}
	r = must(t, l, "snapshot save "+filepath.Join(t.TempDir(), "leader.db"))
	if !strings.HasPrefix(r.Lines[1], "from "+s.Cluster.Status().Leader+":") {
		t.Errorf("snapshot save without --endpoint = %q, want the leader's", r.Lines)
	}
	if r := exec(t, l, "snapshot save "+path+".2 --endpoint etcd3"); r.Err == nil || !strings.Contains(r.Err.Error(), "snapshot of etcd3 failed") {
		t.Errorf("snapshot of a killed member: %v", r.Err)
	}
}

// bytesOf parses Bytes' output back to a number.
func bytesOf(s string) float64 {
	num, unit, _ := strings.Cut(s, " ")
	v, _ := strconv.ParseFloat(num, 64)
	switch unit {
	case "kB":
		v *= 1e3
	case "MB":
		v *= 1e6
	}
	return v
}
