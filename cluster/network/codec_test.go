package network

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// readAll reads every frame of a capture with the relay's reader, copying
// each frame's bytes.
func readAll(t testing.TB, c *capture) []frame {
	t.Helper()
	var dec frameReader = newMessageReader(bytes.NewReader(c.raw))
	if c.typ == "msgapp" {
		dec = newAppReader(bytes.NewReader(c.raw), c.local, c.remote)
	}
	var out []frame
	for {
		f, err := dec.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s stream %x -> %x, frame %d: %v", c.typ, c.remote, c.local, len(out), err)
		}
		f.raw = append([]byte(nil), f.raw...)
		out = append(out, f)
	}
}

// refAll decodes every message of a stream with etcd's algorithm.
func refAll(t testing.TB, typ string, local, remote uint64, raw []byte) []*raftpb.Message {
	t.Helper()
	var dec interface {
		decode() (*raftpb.Message, error)
	} = &refMessageDecoder{r: bytes.NewReader(raw)}
	if typ == "msgapp" {
		dec = &refAppDecoder{r: bytes.NewReader(raw), local: local, remote: remote}
	}
	var out []*raftpb.Message
	for {
		m, err := dec.decode()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reference decoder, message %d: %v", len(out), err)
		}
		out = append(out, m)
	}
}

// TestCodecReadsRealTraffic holds the relay's frame readers against etcd's
// decoding of captured streams: the same messages, the same fields, and
// frames that put together give back the stream byte for byte.
func TestCodecReadsRealTraffic(t *testing.T) {
	kinds := map[string]map[raftpb.MessageType]int{}
	for _, c := range loadCaptures(t) {
		frames := readAll(t, c)
		ref := refAll(t, c.typ, c.local, c.remote, c.raw)
		if len(frames) != len(ref) {
			t.Fatalf("%s %x -> %x: %d frames, reference %d", c.typ, c.remote, c.local, len(frames), len(ref))
		}
		var joined []byte
		for i, f := range frames {
			if want := refHeader(ref[i]); f.h != want {
				t.Errorf("%s frame %d: header %+v, want %+v", c.typ, i, f.h, want)
			}
			joined = append(joined, f.raw...)
			if kinds[c.typ] == nil {
				kinds[c.typ] = map[raftpb.MessageType]int{}
			}
			kinds[c.typ][f.h.Type]++
		}
		if !bytes.Equal(joined, c.raw) {
			t.Errorf("%s %x -> %x: frames do not add up to the stream", c.typ, c.remote, c.local)
		}
	}
	t.Logf("message types captured: %v", kinds)
	for _, want := range []raftpb.MessageType{raftpb.MsgHeartbeat, raftpb.MsgHeartbeatResp, raftpb.MsgAppResp, raftpb.MsgProp, raftpb.MsgReadIndex, raftpb.MsgTimeoutNow} {
		if kinds["message"][want] == 0 {
			t.Errorf("the captures hold no %s on a message stream: capture again", want)
		}
	}
}

// TestCodecEncodesLikeEtcd encodes etcd's decoding of captured streams
// again with the relay's encoders: the bytes are the same as etcd wrote.
func TestCodecEncodesLikeEtcd(t *testing.T) {
	entryFrames := 0
	for _, c := range loadCaptures(t) {
		var out []byte
		w := &appWriter{}
		for _, m := range refAll(t, c.typ, c.local, c.remote, c.raw) {
			if c.typ == "msgapp" {
				before := len(out)
				out = w.appendFrame(out, m)
				if out[before] == appFrameEntries {
					entryFrames++
				}
			} else {
				out = appendMessageFrame(out, m)
			}
		}
		if !bytes.Equal(out, c.raw) {
			t.Errorf("%s %x -> %x: encoding differs from etcd's", c.typ, c.remote, c.local)
		}
	}
	if entryFrames == 0 {
		t.Error("the captures hold no msgappv2 entries frame: capture again")
	}
}

// TestMsgAppDropKeepsStep drops messages from captured msgappv2 streams as
// the relay does, and decodes what it writes with etcd's algorithm: every
// message that was kept arrives whole, with its real index and term.
func TestMsgAppDropKeepsStep(t *testing.T) {
	reencoded := 0
	for _, c := range loadCaptures(t) {
		if c.typ != "msgapp" {
			continue
		}
		ref := refAll(t, c.typ, c.local, c.remote, c.raw)
		for _, every := range []int{2, 3, 7} {
			var out []byte
			var kept []*raftpb.Message
			w := &appWriter{}
			for i, f := range readAll(t, c) {
				if i%every == 1 && !f.h.linkHeartbeat {
					continue
				}
				if !f.h.linkHeartbeat && w.st != f.pre {
					reencoded++
				}
				b, err := w.pass(f, c.local, c.remote)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, b...)
				kept = append(kept, ref[i])
			}
			got := refAll(t, c.typ, c.local, c.remote, out)
			if len(got) != len(kept) {
				t.Fatalf("dropping every %dth: %d messages arrive, want %d", every, len(got), len(kept))
			}
			for i := range got {
				if !proto.Equal(got[i], kept[i]) {
					t.Fatalf("dropping every %dth, message %d arrives as %v, want %v", every, i, got[i], kept[i])
				}
			}
		}
	}
	if reencoded == 0 {
		t.Error("no frame had to be encoded again: the test proves nothing")
	}
}
