package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadDataDirs covers the data dirs a lab cannot start on: each gets
// one line and exit status 3, and no member starts.
func TestBadDataDirs(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "other")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	meta := func(name string, m map[string]any) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, "etcdlab.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	base := ports.Next(t)
	three := meta("three", map[string]any{"members": []string{"etcd1", "etcd2", "etcd3"}, "base_port": base, "token": "etcd-cluster"})
	tls := meta("tls", map[string]any{"members": []string{"etcd1", "etcd2", "etcd3"}, "base_port": base, "token": "etcd-cluster", "tls": true})
	damaged := filepath.Join(root, "damaged")
	os.MkdirAll(damaged, 0o700)
	os.WriteFile(filepath.Join(damaged, "etcdlab.json"), []byte("{not json"), 0o600)

	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"under a file", []string{"--data-dir", filepath.Join(file, "data")}, "is a file, or lies under one: choose a directory", exitUsage},
		{"a file", []string{"--data-dir", file}, "is a file, or lies under one", exitUsage},
		{"not creatable", []string{"--data-dir", "/proc/etcdlab-test"}, "cannot create --data-dir /proc/etcdlab-test", exitStart},
		{"someone else's files", []string{"--data-dir", other}, "is not empty and holds no etcdlab cluster", exitStart},
		{"another size", []string{"--data-dir", three, "--members", "5"}, "holds a 3-member cluster, not 5: use --members 3", exitStart},
		{"another base port", []string{"--data-dir", three, "--base-port", fmt.Sprint(base + 100)}, fmt.Sprintf("holds a cluster on --base-port %d", base), exitStart},
		{"TLS without --tls", []string{"--data-dir", tls}, "holds a cluster with TLS: add --tls", exitStart},
		{"damaged", []string{"--data-dir", damaged}, "is damaged", exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMode(t, append([]string{"serve"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d:\n%s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q, want one line with %q", stderr, tc.want)
			}
			if strings.Contains(stdout, "started") {
				t.Errorf("a member started:\n%s", stdout)
			}
		})
	}
}
