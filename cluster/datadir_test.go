package cluster

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestDataDirProblems checks that every data dir the lab cannot use is
// reported as a *DataDirError saying why, before any port is touched.
func TestDataDirProblems(t *testing.T) {
	root := t.TempDir()
	write := func(path string, b []byte) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return filepath.Dir(path)
	}
	withMeta := func(name string, m meta) string {
		b, _ := json.Marshal(m)
		return write(filepath.Join(root, name, metaFile), b)
	}
	file := filepath.Join(root, "a-file")
	write(file, []byte("x"))
	damaged := write(filepath.Join(root, "damaged", metaFile), []byte("{not json"))
	other := write(filepath.Join(root, "other", "notes.txt"), []byte("mine"))
	three := []string{"etcd1", "etcd2", "etcd3"}
	plain := withMeta("plain", meta{Members: three, BasePort: 20000, Token: clusterToken})
	secure := withMeta("secure", meta{Members: three, BasePort: 20000, Token: clusterToken, TLS: true, Auth: true})

	for _, tc := range []struct {
		name string
		cfg  Config
		want DataDirError
	}{
		{"under a file", Config{Members: 3, DataDir: filepath.Join(file, "d")}, DataDirError{Problem: DataDirNotCreatable}},
		{"damaged", Config{Members: 3, DataDir: damaged}, DataDirError{Problem: DataDirDamaged, File: filepath.Join(damaged, metaFile)}},
		{"someone else's files", Config{Members: 3, DataDir: other}, DataDirError{Problem: DataDirNotEmpty}},
		{"another size", Config{Members: 5, BasePort: 20000, DataDir: plain}, DataDirError{Problem: DataDirOtherMembers, Have: 3, Want: 5}},
		{"another base port", Config{Members: 3, BasePort: 20100, DataDir: plain}, DataDirError{Problem: DataDirOtherBasePort, Have: 20000, Want: 20100}},
		{"TLS asked, none held", Config{Members: 3, BasePort: 20000, DataDir: plain, TLS: true}, DataDirError{Problem: DataDirOtherTLS, Have: 0, Want: 1}},
		{"TLS held, none asked", Config{Members: 3, BasePort: 20000, DataDir: secure, Auth: true}, DataDirError{Problem: DataDirOtherTLS, Have: 1, Want: 0}},
		{"auth held, none asked", Config{Members: 3, BasePort: 20000, DataDir: secure, TLS: true}, DataDirError{Problem: DataDirOtherAuth, Have: 1, Want: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			var de *DataDirError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DataDirError", err)
			}
			tc.want.Dir = tc.cfg.DataDir
			got := *de
			got.Err = nil
			if got != tc.want {
				t.Errorf("err = %+v (%v), want %+v", got, err, tc.want)
			}
		})
	}

	t.Run("InfoFromDataDir", func(t *testing.T) {
		if n, port, ok, err := InfoFromDataDir(plain); n != 3 || port != 20000 || !ok || err != nil {
			t.Errorf("plain: %d %d %v %v", n, port, ok, err)
		}
		if _, _, ok, err := InfoFromDataDir(filepath.Join(root, "new")); ok || err != nil {
			t.Errorf("a new dir: %v %v", ok, err)
		}
		var de *DataDirError
		if _, _, _, err := InfoFromDataDir(file); !errors.As(err, &de) || de.Problem != DataDirIsFile || de.Dir != file {
			t.Errorf("a file: %v", err)
		}
		if _, _, _, err := InfoFromDataDir(damaged); !errors.As(err, &de) || de.Problem != DataDirDamaged {
			t.Errorf("damaged: %v", err)
		}
	})
}
