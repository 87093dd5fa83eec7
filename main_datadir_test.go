package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadDataDirs covers the data dirs a lab cannot start on, and export
// cannot resume: each gets one line and exit status 2 or 3, and no member
// starts.
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

	if err := os.MkdirAll(filepath.Join(tls, "tls"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tls, "tls", "server.key"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	scenario := filepath.Join(root, "ok.lab")
	if err := os.WriteFile(scenario, []byte("put k v\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"under a file", []string{"serve", "--data-dir", filepath.Join(file, "data")}, "is a file, or lies under one: choose a directory", exitUsage},
		{"a file", []string{"serve", "--data-dir", file}, "is a file, or lies under one", exitUsage},
		{"not creatable", []string{"serve", "--data-dir", "/proc/etcdlab-test"}, "cannot create --data-dir /proc/etcdlab-test", exitStart},
		{"someone else's files", []string{"serve", "--data-dir", other}, "is not empty and holds no etcdlab cluster", exitStart},
		{"another size", []string{"serve", "--data-dir", three, "--members", "5"}, "holds a 3-member cluster, not 5: use --members 3", exitStart},
		{"another base port", []string{"serve", "--data-dir", three, "--base-port", fmt.Sprint(base + 100)}, fmt.Sprintf("holds a cluster on --base-port %d", base), exitStart},
		{"TLS without --tls", []string{"serve", "--data-dir", tls}, "holds a cluster with TLS: add --tls", exitStart},
		{"damaged", []string{"serve", "--data-dir", damaged}, "is damaged", exitUsage},
		{"run, a file", []string{"run", scenario, "--data-dir", file}, "is a file, or lies under one", exitUsage},
		{"run, another size", []string{"run", scenario, "--data-dir", three, "--members", "5"}, "holds a 3-member cluster, not 5: use --members 3", exitStart},
		// export starts nothing: what the lab would refuse at start is bad input.
		{"export, a file", []string{"export", "procfile", "--data-dir", file}, "is a file, or lies under one", exitUsage},
		{"export, damaged", []string{"export", "procfile", "--data-dir", damaged}, "is damaged", exitUsage},
		{"export, another size", []string{"export", "procfile", "--data-dir", three, "--members", "5"}, "holds a 3-member cluster, not 5: use --members 3", exitUsage},
		{"export, another base port", []string{"export", "procfile", "--data-dir", three, "--base-port", fmt.Sprint(base + 100)}, fmt.Sprintf("holds a cluster on --base-port %d", base), exitUsage},
		{"export, TLS without --tls", []string{"export", "procfile", "--data-dir", tls}, "holds a cluster with TLS: add --tls", exitUsage},
		{"export, --tls without TLS", []string{"export", "procfile", "--data-dir", three, "--tls"}, "holds a cluster without TLS: drop --tls", exitUsage},
		{"export, members added or removed", []string{"export", "procfile", "--data-dir", three}, "holds a lab cluster whose members are not etcd1..etcd3", exitUsage},
		{"export compose of a lab's data", []string{"export", "compose", "--data-dir", three}, "only export procfile resumes it", exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMode(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d:\n%s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q, want one line with %q", stderr, tc.want)
			}
			if strings.Contains(stdout, "started") || tc.args[0] == "export" && stdout != "" {
				t.Errorf("a member started, or export wrote:\n%s", stdout)
			}
		})
	}
}
