package cluster

import (
	"io"
	"os"
	"path/filepath"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// LogFile returns where etcd's logs go ("" if nowhere).
func (c *Cluster) LogFile() string {
	switch c.cfg.LogFile {
	case "-":
		return ""
	case "":
		return filepath.Join(c.cfg.DataDir, "etcd.log")
	}
	return c.cfg.LogFile
}

// survive keeps one member's fatal error from ending the process: etcd
// calls Panic or Fatal on its logger when its disk fails under it, and in a
// process of its own that ends etcd. Here it ends only the goroutine that
// hit it; the member's watcher reports it as failed if its server stops.
var survive = []zap.Option{
	zap.WithFatalHook(zapcore.WriteThenGoexit),
	zap.WithPanicHook(zapcore.WriteThenGoexit),
}

func (c *Cluster) openLogger() error {
	path := c.LogFile()
	if path == "" {
		// Nothing is written, but fatal entries must still reach the hook
		// that marks their member failed.
		enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		c.logger = zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zap.DPanicLevel), survive...)
		c.logSync = func() {}
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return &LogFileError{Path: path, Err: err}
	}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	core := zapcore.NewCore(enc, zapcore.AddSync(f), zap.InfoLevel)
	c.logger = zap.New(core, survive...)
	c.logSync = func() { c.logger.Sync(); f.Close() }
	return nil
}
