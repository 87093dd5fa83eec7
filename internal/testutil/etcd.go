package testutil

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	etcdOnce sync.Once
	etcdBin  string
	etcdErr  error
)

// EtcdServer builds etcd v3.7.3's server binary from the module once per
// test binary, into the repository's .cache directory, and returns its path.
func EtcdServer(t testing.TB) string {
	t.Helper()
	etcdOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		etcdBin = filepath.Join(root, ".cache", "etcd")
		cmd := exec.Command("go", "build", "-o", etcdBin, "go.etcd.io/etcd/server/v3")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			etcdErr = fmt.Errorf("go build go.etcd.io/etcd/server/v3: %v\n%s", err, out)
		}
	})
	if etcdErr != nil {
		t.Fatal(etcdErr)
	}
	return etcdBin
}

// EtcdProcesses starts n separate etcd processes named p1..pN, with client
// port base+2(i-1) and peer port base+2(i-1)+1, and returns their client
// URLs and processes. They are killed when the test ends.
func EtcdProcesses(t testing.TB, n, base int) ([]string, []*exec.Cmd) {
	t.Helper()
	bin := EtcdServer(t)
	var initial []string
	for i := 1; i <= n; i++ {
		initial = append(initial, fmt.Sprintf("p%d=http://127.0.0.1:%d", i, base+2*(i-1)+1))
	}
	var urls []string
	var cmds []*exec.Cmd
	for i := 1; i <= n; i++ {
		client := fmt.Sprintf("http://127.0.0.1:%d", base+2*(i-1))
		peer := fmt.Sprintf("http://127.0.0.1:%d", base+2*(i-1)+1)
		cmd := exec.Command(bin, "--name", fmt.Sprintf("p%d", i), "--data-dir", t.TempDir(),
			"--listen-client-urls", client, "--advertise-client-urls", client,
			"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-token", "etcdlab-test",
			"--initial-cluster-state", "new", "--log-outputs", filepath.Join(t.TempDir(), "etcd.log"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		urls = append(urls, client)
		cmds = append(cmds, cmd)
	}
	return urls, cmds
}
