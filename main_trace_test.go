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
