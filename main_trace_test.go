package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/lab/trace"
)

// TestTraceSurvivesSIGKILL kills a real `etcdlab serve --trace` process
// with SIGKILL, which no code of it sees, and checks that the trace it
// left replays: the writer flushes as it goes, so what it took in more
// than a second before the kill is on disk.
func TestTraceSurvivesSIGKILL(t *testing.T) {
	tmp := t.TempDir()
	path := filepath.Join(tmp, "serve.trace")
	cmd := exec.Command(os.Args[0], "serve", "--trace", path, "--data-dir", filepath.Join(tmp, "data"),
		"--base-port", fmt.Sprint(ports.Next(t)))
	cmd.Env = append(os.Environ(), "ETCDLAB_BE_MAIN=1", "TMPDIR="+tmp)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); close(done) }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(startTimeout)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("never saw %s; serve's output:\n%s", what, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the endpoints", func() bool { return strings.Contains(out.String(), "ETCDCTL_ENDPOINTS=") })
	io.WriteString(in, "put greeting hello\nkill etcd1\n")
	waitFor("the kill and a sample after it in the trace file", func() bool {
		b, _ := os.ReadFile(path)
		_, after, ok := strings.Cut(string(b), `"cmd":"kill etcd1"`)
		return ok && strings.Contains(after, `"type":"sample"`)
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done

	tr, err := trace.ReadFile(path)
	if err != nil {
		t.Fatalf("the trace of a SIGKILLed serve does not read: %v", err)
	}
	if tr.Header.Mode != "serve" || tr.Header.Members != 3 {
		t.Errorf("header = %+v, want mode serve and 3 members", tr.Header)
	}
	var started, put, killed, sampled bool
	for _, r := range tr.Records {
		switch b := r.Body.(type) {
		case trace.Started:
			started = true
		case trace.Result:
			put = put || b.Command == "put greeting hello" && b.Result.Err == nil
		case trace.Event:
			killed = killed || strings.Contains(b.Text, "etcd1 killed")
		case trace.Sample:
			sampled = sampled || b.Status != nil && len(b.Status.Members) == 3
		}
	}
	if !started || !put || !killed || !sampled {
		t.Errorf("the trace lacks a record: started %v, put %v, kill event %v, sample %v", started, put, killed, sampled)
	}
}

// TestReplayBadInput gives etcdlab replay files and flags it cannot
// replay: each gets one line on stderr and exit status 2, before any
// screen is drawn.
func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const header = `{"format":"etcdlab-trace","version":1,"etcdlab":"(devel)","etcd":"3.7.3","mode":"run","members":3,"start":"2026-11-30T00:00:00Z"}`
	good := write("good.trace", header+"\n"+`{"t":500000,"type":"event","time":400000,"kind":"killed","member":"etcd1","text":"etcd1 killed"}`+"\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"not a trace", []string{write("passwd", "root:x:0:0:root:/root:/bin/bash\n")}, "is not an etcdlab trace"},
		{"empty", []string{write("empty.trace", "")}, "is empty: not an etcdlab trace"},
		{"newer version", []string{write("v9.trace", strings.Replace(header, `"version":1`, `"version":9`, 1)+"\n")}, "is a trace of format version 9"},
		{"cut in its header", []string{write("cut.trace", header[:40])}, "is cut off inside its first line"},
		{"damaged record", []string{write("bad.trace", header+"\n{\"t\":1}\n{\"t\":2,\"type\":\"event\"}\n")}, "is damaged: line 2"},
		{"no such file", []string{filepath.Join(dir, "missing.trace")}, "cannot be read"},
		{"at beyond the end", []string{good, "--at", "90"}, "--at 90.0s is beyond the end of the trace, at 0.5s"},
		{"at fail without a failure", []string{good, "--at", "fail"}, "--at fail: no expectation failed in this trace"},
		{"at garbage", []string{good, "--at", "soon"}, `--at "soon" is neither a time nor fail`},
		{"speed zero", []string{good, "--speed", "0"}, "--speed 0 must be positive"},
		{"no file", nil, "replay needs exactly one trace FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMode(t, append([]string{"replay"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d and one line holding %q", code, stderr, stdout, exitUsage, tc.want)
			}
		})
	}
}
