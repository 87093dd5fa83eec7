package network

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// seedCaptures adds the captured streams of one type, and a few broken
// frames, to a fuzz corpus.
func seedCaptures(f *testing.F, typ string, add func([]byte)) {
	files, _ := filepath.Glob(filepath.Join("testdata", typ+"-*.bin"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		c, err := parseCapture(b)
		if err != nil {
			f.Fatal(err)
		}
		add(c.raw[:min(len(c.raw), 4096)])
	}
	big := binary.BigEndian.AppendUint64(nil, 1<<40)
	for _, b := range [][]byte{nil, {0}, {1}, {2}, {3}, {0, 0, 0, 0, 0, 0, 0, 2, 8, 8}, big, append([]byte{1}, big...), append([]byte{2}, big...)} {
		add(b)
	}
}

// lockstep reads data with the relay's reader and etcd's algorithm side by
// side. Wherever etcd's decodes a message, the relay's must read the same
// header from the same bytes; the relay may be more lenient (it does not
// unmarshal entries), never stricter. It returns the frames both read.
func lockstep(t *testing.T, typ string, data []byte) ([]frame, []*raftpb.Message) {
	const local, remote = 0x1111, 0x2222
	var ours frameReader = newMessageReader(bytes.NewReader(data))
	var ref interface {
		decode() (*raftpb.Message, error)
	} = &refMessageDecoder{r: bytes.NewReader(data)}
	if typ == "msgapp" {
		ours = newAppReader(bytes.NewReader(data), local, remote)
		ref = &refAppDecoder{r: bytes.NewReader(data), local: local, remote: remote}
	}
	var frames []frame
	var msgs []*raftpb.Message
	for {
		m, rerr := ref.decode()
		f, oerr := ours.next()
		if rerr != nil {
			checkEnd(t, ours, oerr, frames, f, len(data))
			return frames, msgs
		}
		if oerr != nil {
			t.Fatalf("frame %d: etcd's decoder reads %v, the relay's fails: %v", len(frames), m, oerr)
		}
		if want := refHeader(m); f.h != want {
			t.Fatalf("frame %d: header %+v, etcd's decoder reads %+v", len(frames), f.h, want)
		}
		f.raw = append([]byte(nil), f.raw...)
		frames, msgs = append(frames, f), append(msgs, m)
	}
}

// checkEnd reads on with the relay's reader after etcd's stopped, and
// checks that it reports io.EOF only at the end of data, on a frame
// boundary.
func checkEnd(t *testing.T, ours frameReader, err error, frames []frame, f frame, size int) {
	n := 0
	for _, fr := range frames {
		n += len(fr.raw)
	}
	for err == nil {
		n += len(f.raw)
		f, err = ours.next()
	}
	if errors.Is(err, io.EOF) && n != size {
		t.Fatalf("the relay's reader ends cleanly after %d of %d bytes", n, size)
	}
}

// FuzzMessageStream feeds arbitrary bytes to the relay's message stream
// reader: it never panics or hangs, and agrees with etcd's decoder.
func FuzzMessageStream(f *testing.F) {
	seedCaptures(f, "message", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		lockstep(t, "message", data)
	})
}

// FuzzMsgAppStream feeds arbitrary bytes to the relay's msgappv2 reader
// and drops the frames that drops marks: what the relay writes decodes,
// with etcd's algorithm, to exactly the messages it kept.
func FuzzMsgAppStream(f *testing.F) {
	seedCaptures(f, "msgapp", func(b []byte) { f.Add(b, uint64(0x5555)) })
	f.Fuzz(func(t *testing.T, data []byte, drops uint64) {
		frames, msgs := lockstep(t, "msgapp", data)
		var out []byte
		var kept []*raftpb.Message
		w := &appWriter{}
		for i, fr := range frames {
			if drops&(1<<(i%64)) != 0 && !fr.h.linkHeartbeat {
				continue
			}
			b, err := w.pass(fr, 0x1111, 0x2222)
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			out = append(out, b...)
			kept = append(kept, msgs[i])
		}
		ref := &refAppDecoder{r: bytes.NewReader(out), local: 0x1111, remote: 0x2222}
		for i, want := range kept {
			got, err := ref.decode()
			if err != nil {
				t.Fatalf("message %d of what the relay wrote: %v", i, err)
			}
			if !proto.Equal(got, want) {
				t.Fatalf("message %d arrives as %v, want %v", i, got, want)
			}
		}
	})
}
