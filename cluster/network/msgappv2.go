package network

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// This file holds rafthttp's msgappv2 stream format (msgappv2_codec.go),
// which carries only MsgApp. Every frame starts with a type byte:
//
//	0 link heartbeat: nothing follows
//	1 entries: count(8) {size(8) entry}* commit(8); the message's Term,
//	  LogTerm and Index are implicit, taken from the decoder's state
//	2 full message: size(8) marshalled raftpb.Message
//
// The format is stateful. After a full message the encoder and the decoder
// both remember (Term, last index); an entries frame continues from there
// and moves the index on by its count. Forwarding an entries frame is
// therefore correct only while the receiver's decoder is in the state the
// sender's encoder was in. After the relay drops a message the two differ,
// so the relay re-encodes with its own encoder (appWriter), which mirrors
// the receiver's decoder: the next message goes out as a full MsgApp and
// both sides are in step again.

const (
	appFrameHeartbeat byte = 0
	appFrameEntries   byte = 1
	appFrameFull      byte = 2
)

// appState is the (term, index) a msgappv2 encoder or decoder remembers.
type appState struct{ term, index uint64 }

// appReader reads the msgappv2 format sent by member remote to member
// local, mirroring rafthttp's decoder.
type appReader struct {
	r             *bufio.Reader
	local, remote uint64
	st            appState
	buf           []byte
}

func newAppReader(r io.Reader, local, remote uint64) *appReader {
	return &appReader{r: bufio.NewReaderSize(r, 64*1024), local: local, remote: remote}
}

// next reads one frame. It returns io.EOF only at a frame boundary.
func (d *appReader) next() (frame, error) {
	d.buf = d.buf[:0]
	var err error
	if d.buf, err = readN(d.r, d.buf, 1); err != nil {
		return frame{}, err
	}
	f := frame{pre: d.st}
	switch d.buf[0] {
	case appFrameHeartbeat:
		f.h = header{Type: raftpb.MsgHeartbeat, linkHeartbeat: true}
	case appFrameEntries:
		err = d.readEntries(&f)
	case appFrameFull:
		err = d.readFull(&f)
	default:
		err = fmt.Errorf("failed to parse type %d in msgappv2 stream", d.buf[0])
	}
	if err != nil {
		return frame{}, noEOF(err)
	}
	f.raw, f.post = d.buf, d.st
	return f, nil
}

func (d *appReader) readEntries(f *frame) error {
	f.h = header{Type: raftpb.MsgApp, From: d.remote, To: d.local, Term: d.st.term, LogTerm: d.st.term, Index: d.st.index}
	var err error
	if d.buf, err = readN(d.r, d.buf, 8); err != nil {
		return err
	}
	count := binary.BigEndian.Uint64(d.buf[len(d.buf)-8:])
	last := -1 // where the last entry starts in d.buf
	for i := uint64(0); i < count; i++ {
		if d.buf, err = readN(d.r, d.buf, 8); err != nil {
			return err
		}
		size := binary.BigEndian.Uint64(d.buf[len(d.buf)-8:])
		if size > maxMessageSize {
			return fmt.Errorf("entry of %d bytes exceeds the %d byte limit", size, maxMessageSize)
		}
		last = len(d.buf)
		if d.buf, err = readN(d.r, d.buf, int(size)); err != nil {
			return err
		}
		d.st.index++
		f.h.Entries++
	}
	if last >= 0 {
		// The entries carry their own index; Raft relies on them, so do we.
		if f.h.LastEntry, err = uintField(d.buf[last:], 3); err != nil {
			return err
		}
	}
	if d.buf, err = readN(d.r, d.buf, 8); err != nil {
		return err
	}
	f.h.Commit = binary.BigEndian.Uint64(d.buf[len(d.buf)-8:])
	return nil
}

func (d *appReader) readFull(f *frame) error {
	var err error
	if d.buf, err = readN(d.r, d.buf, 8); err != nil {
		return err
	}
	size := binary.BigEndian.Uint64(d.buf[1:])
	if size > maxMessageSize {
		return fmt.Errorf("message of %d bytes exceeds the %d byte limit", size, maxMessageSize)
	}
	if d.buf, err = readN(d.r, d.buf, int(size)); err != nil {
		return err
	}
	if f.h, err = parseHeader(d.buf[9:]); err != nil {
		return err
	}
	d.st = appState{term: f.h.Term, index: f.h.lastIndex()}
	return nil
}

// decodeAppFrame decodes a whole msgappv2 frame read by an appReader from
// remote to local into a raftpb.Message, using the state the reader was in
// before the frame.
func decodeAppFrame(f frame, local, remote uint64) (*raftpb.Message, error) {
	b := f.raw
	if len(b) == 0 {
		return nil, errBadMessage
	}
	switch b[0] {
	case appFrameHeartbeat:
		return &raftpb.Message{Type: raftpb.MsgHeartbeat.Enum()}, nil
	case appFrameFull:
		m := new(raftpb.Message)
		if len(b) < 9 {
			return nil, errBadMessage
		}
		return m, proto.Unmarshal(b[9:], m)
	case appFrameEntries:
		return decodeEntries(b[1:], f.pre, local, remote)
	}
	return nil, errBadMessage
}

func decodeEntries(b []byte, st appState, local, remote uint64) (*raftpb.Message, error) {
	m := &raftpb.Message{
		Type: raftpb.MsgApp.Enum(), From: proto.Uint64(remote), To: proto.Uint64(local),
		Term: proto.Uint64(st.term), LogTerm: proto.Uint64(st.term), Index: proto.Uint64(st.index),
	}
	u64 := func() (uint64, bool) {
		if len(b) < 8 {
			return 0, false
		}
		v := binary.BigEndian.Uint64(b)
		b = b[8:]
		return v, true
	}
	count, ok := u64()
	for i := uint64(0); ok && i < count; i++ {
		var size uint64
		if size, ok = u64(); !ok || size > uint64(len(b)) {
			return nil, errBadMessage
		}
		e := new(raftpb.Entry)
		if err := proto.Unmarshal(b[:size], e); err != nil {
			return nil, err
		}
		m.Entries = append(m.Entries, e)
		b = b[size:]
	}
	commit, ok := u64()
	if !ok || len(b) != 0 {
		return nil, errBadMessage
	}
	m.Commit = proto.Uint64(commit)
	return m, nil
}

// appWriter is a msgappv2 encoder: the state of the receiver's decoder, as
// far as the relay has written to it.
type appWriter struct {
	st appState
}

// pass returns the bytes that deliver f to a receiver in the state w
// mirrors, and moves w on. While w is in the state the sender's encoder was
// in before f (no message was dropped since the last full one), that is f's
// own bytes; otherwise f is decoded and encoded again.
func (w *appWriter) pass(f frame, local, remote uint64) ([]byte, error) {
	if f.h.linkHeartbeat || w.st == f.pre {
		if !f.h.linkHeartbeat {
			w.st = f.post
		}
		return f.raw, nil
	}
	m, err := decodeAppFrame(f, local, remote)
	if err != nil {
		return nil, err
	}
	return w.appendFrame(nil, m), nil
}

// appendFrame appends m to dst as rafthttp's msgAppV2Encoder would write it
// from w's state, and moves w on.
func (w *appWriter) appendFrame(dst []byte, m *raftpb.Message) []byte {
	switch {
	case m.GetType() == raftpb.MsgHeartbeat && m.GetFrom() == 0 && m.GetTo() == 0:
		return append(dst, appFrameHeartbeat)
	case w.st.index == m.GetIndex() && w.st.term == m.GetLogTerm() && m.GetLogTerm() == m.GetTerm():
		dst = append(dst, appFrameEntries)
		dst = binary.BigEndian.AppendUint64(dst, uint64(len(m.Entries)))
		for _, e := range m.Entries {
			dst = binary.BigEndian.AppendUint64(dst, uint64(proto.Size(e)))
			dst = mustAppend(dst, e)
			w.st.index++
		}
		return binary.BigEndian.AppendUint64(dst, m.GetCommit())
	default:
		dst = append(dst, appFrameFull)
		dst = binary.BigEndian.AppendUint64(dst, uint64(proto.Size(m)))
		dst = mustAppend(dst, m)
		w.st.term, w.st.index = m.GetTerm(), m.GetIndex()
		if l := len(m.Entries); l > 0 {
			w.st.index = m.Entries[l-1].GetIndex()
		}
		return dst
	}
}

func mustAppend(dst []byte, m proto.Message) []byte {
	b, err := proto.MarshalOptions{}.MarshalAppend(dst, m)
	if err != nil {
		panic(err) // raftpb messages always marshal
	}
	return b
}
