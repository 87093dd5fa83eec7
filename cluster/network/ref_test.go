package network

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// The reference decoders below follow etcd v3.7.3's rafthttp decoders
// (msg_codec.go messageDecoder, msgappv2_codec.go msgAppV2Decoder) step by
// step, with raftpb doing all the protobuf work. They return errors where
// etcd would panic, and refuse a length longer than what is left before
// allocating it. The codec tests hold the relay's own reader and writer
// against them.

// readSized reads an 8-byte big-endian size and that many bytes, as etcd
// does, but refuses a size longer than what is left before allocating it
// (io.ReadFull would fail anyway).
func readSized(r *bytes.Reader) ([]byte, error) {
	var size uint64
	if err := binary.Read(r, binary.BigEndian, &size); err != nil {
		return nil, err
	}
	if size > maxMessageSize {
		return nil, fmt.Errorf("limit exceeded")
	}
	if size > uint64(r.Len()) {
		return nil, io.ErrUnexpectedEOF
	}
	buf := make([]byte, int(size))
	_, err := io.ReadFull(r, buf)
	return buf, err
}

type refMessageDecoder struct{ r *bytes.Reader }

func (d *refMessageDecoder) decode() (*raftpb.Message, error) {
	buf, err := readSized(d.r)
	if err != nil {
		return nil, err
	}
	var m raftpb.Message
	return &m, proto.Unmarshal(buf, &m)
}

type refAppDecoder struct {
	r             *bytes.Reader
	local, remote uint64
	term, index   uint64
}

func (d *refAppDecoder) decode() (*raftpb.Message, error) {
	var typ [1]byte
	if _, err := io.ReadFull(d.r, typ[:]); err != nil {
		return nil, err
	}
	u64 := func() (uint64, error) {
		var b [8]byte
		_, err := io.ReadFull(d.r, b[:])
		return binary.BigEndian.Uint64(b[:]), err
	}
	switch typ[0] {
	case 0:
		return &raftpb.Message{Type: raftpb.MsgHeartbeat.Enum()}, nil
	case 1:
		m := &raftpb.Message{
			Type: raftpb.MsgApp.Enum(), From: proto.Uint64(d.remote), To: proto.Uint64(d.local),
			Term: proto.Uint64(d.term), LogTerm: proto.Uint64(d.term), Index: proto.Uint64(d.index),
		}
		l, err := u64()
		if err != nil {
			return nil, err
		}
		for i := uint64(0); i < l; i++ {
			buf, err := readSized(d.r)
			if err != nil {
				return nil, err
			}
			d.index++
			e := &raftpb.Entry{}
			if err := proto.Unmarshal(buf, e); err != nil {
				return nil, err
			}
			m.Entries = append(m.Entries, e)
		}
		c, err := u64()
		if err != nil {
			return nil, err
		}
		m.Commit = proto.Uint64(c)
		return m, nil
	case 2:
		buf, err := readSized(d.r)
		if err != nil {
			return nil, err
		}
		var m raftpb.Message
		if err := proto.Unmarshal(buf, &m); err != nil {
			return nil, err
		}
		d.term, d.index = m.GetTerm(), m.GetIndex()
		if l := len(m.Entries); l > 0 {
			d.index = m.Entries[l-1].GetIndex()
		}
		return &m, nil
	}
	return nil, fmt.Errorf("failed to parse type %d in msgappv2 stream", typ[0])
}

// refHeader is the header the relay should read from m.
func refHeader(m *raftpb.Message) header {
	h := header{
		Type: m.GetType(), To: m.GetTo(), From: m.GetFrom(), Term: m.GetTerm(), LogTerm: m.GetLogTerm(),
		Index: m.GetIndex(), Commit: m.GetCommit(), RejectHint: m.GetRejectHint(), Reject: m.GetReject(),
		Entries: len(m.Entries), SnapIndex: m.GetSnapshot().GetMetadata().GetIndex(),
	}
	if h.Entries > 0 {
		h.LastEntry = m.Entries[h.Entries-1].GetIndex()
	}
	h.linkHeartbeat = h.isLinkHeartbeat()
	return h
}
