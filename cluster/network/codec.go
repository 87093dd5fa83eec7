package network

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// This file holds rafthttp's "message" stream format (msg_codec.go): each
// message is an 8-byte big-endian length followed by a marshalled
// raftpb.Message. The same marshalled message is the body of a pipeline
// POST to /raft, and a length-prefixed one opens a POST to /raft/snapshot.
//
// The relay reads only what it needs of a message (header) with protowire
// and forwards the bytes it read, untouched, so that what a member receives
// is exactly what its peer sent.

// maxMessageSize bounds one message, as rafthttp's readBytesLimit (512 MB)
// does.
const maxMessageSize = 512 * 1024 * 1024

var errBadMessage = errors.New("malformed raft message")

// header is what the relay reads of a raftpb.Message without decoding its
// entries.
type header struct {
	Type                 raftpb.MessageType
	To, From             uint64
	Term, LogTerm, Index uint64
	Commit, RejectHint   uint64
	Reject               bool
	Entries              int    // number of entries
	LastEntry            uint64 // index of the last entry, 0 without entries
	SnapIndex            uint64 // snapshot metadata index (MsgSnap)
	linkHeartbeat        bool
}

// lastIndex returns the index of the last entry a MsgApp carries, or its
// Index when it carries none.
func (h header) lastIndex() uint64 {
	if h.Entries > 0 {
		return h.LastEntry
	}
	return h.Index
}

// isLinkHeartbeat reports rafthttp's own keep-alive (linkHeartbeatMessage),
// a MsgHeartbeat with no sender and no receiver that Raft never sees.
func (h header) isLinkHeartbeat() bool {
	return h.Type == raftpb.MsgHeartbeat && h.From == 0 && h.To == 0
}

// parseHeader reads the fields of a marshalled raftpb.Message the relay
// needs. It accepts what proto.Unmarshal accepts for these fields; a later
// field overrides an earlier one, as in protobuf.
func parseHeader(b []byte) (header, error) {
	var h header
	var snap []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return h, errBadMessage
		}
		b = b[n:]
		if typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return h, errBadMessage
			}
			b = b[n:]
			h.setVarint(num, v)
			continue
		}
		if typ == protowire.BytesType && (num == 7 || num == 9) {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return h, errBadMessage
			}
			b = b[n:]
			if num == 9 {
				// An embedded message seen twice merges: parse the concatenation.
				snap = append(snap, v...)
				continue
			}
			idx, err := uintField(v, 3)
			if err != nil {
				return h, err
			}
			h.Entries++
			h.LastEntry = idx
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return h, errBadMessage
		}
		b = b[n:]
	}
	if snap != nil {
		meta, err := bytesField(snap, 2)
		if err != nil {
			return h, err
		}
		if h.SnapIndex, err = uintField(meta, 2); err != nil {
			return h, err
		}
	}
	h.linkHeartbeat = h.isLinkHeartbeat()
	return h, nil
}

func (h *header) setVarint(num protowire.Number, v uint64) {
	switch num {
	case 1:
		h.Type = raftpb.MessageType(int32(v))
	case 2:
		h.To = v
	case 3:
		h.From = v
	case 4:
		h.Term = v
	case 5:
		h.LogTerm = v
	case 6:
		h.Index = v
	case 8:
		h.Commit = v
	case 10:
		h.Reject = v != 0
	case 11:
		h.RejectHint = v
	}
}

// uintField returns the last value of varint field num in the marshalled
// message b (the last occurrence of a scalar wins in protobuf).
func uintField(b []byte, num protowire.Number) (uint64, error) {
	var out uint64
	for len(b) > 0 {
		n0, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, errBadMessage
		}
		b = b[n:]
		if n0 == num && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, errBadMessage
			}
			out, b = v, b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(n0, typ, b)
		if n < 0 {
			return 0, errBadMessage
		}
		b = b[n:]
	}
	return out, nil
}

// bytesField returns the concatenation of every occurrence of embedded
// message field num in b: protobuf merges repeated occurrences, and parsing
// the concatenation gives the merged fields.
func bytesField(b []byte, num protowire.Number) ([]byte, error) {
	var out []byte
	for len(b) > 0 {
		n0, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, errBadMessage
		}
		b = b[n:]
		if n0 == num && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, errBadMessage
			}
			out, b = append(out, v...), b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(n0, typ, b)
		if n < 0 {
			return nil, errBadMessage
		}
		b = b[n:]
	}
	return out, nil
}

// frame is one whole message read from a stream: the exact bytes that
// carried it and what the relay read of it.
type frame struct {
	raw []byte // valid until the reader's next call
	h   header
	// pre and post are a msgappv2 decoder's state before and after the
	// frame; zero on message streams.
	pre, post appState
}

// frameReader reads whole frames from one stream format.
type frameReader interface {
	next() (frame, error)
}

// messageReader reads the message stream format.
type messageReader struct {
	r   *bufio.Reader
	buf []byte
}

func newMessageReader(r io.Reader) *messageReader {
	return &messageReader{r: bufio.NewReaderSize(r, 64*1024)}
}

// next reads one frame. It returns io.EOF only at a frame boundary.
func (d *messageReader) next() (frame, error) {
	d.buf = d.buf[:0]
	var err error
	if d.buf, err = readN(d.r, d.buf, 8); err != nil {
		return frame{}, err
	}
	l := binary.BigEndian.Uint64(d.buf)
	if l > maxMessageSize {
		return frame{}, fmt.Errorf("message of %d bytes exceeds the %d byte limit", l, maxMessageSize)
	}
	if d.buf, err = readN(d.r, d.buf, int(l)); err != nil {
		return frame{}, noEOF(err)
	}
	h, err := parseHeader(d.buf[8:])
	if err != nil {
		return frame{}, err
	}
	return frame{raw: d.buf, h: h}, nil
}

// readN appends exactly n bytes from r to buf, growing buf as data arrives
// so that a bogus length cannot allocate more than was sent.
func readN(r io.Reader, buf []byte, n int) ([]byte, error) {
	const chunk = 1 << 20
	for n > 0 {
		step := min(n, chunk)
		start := len(buf)
		buf = grow(buf, step)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return buf, err
		}
		n -= step
	}
	return buf, nil
}

func grow(buf []byte, n int) []byte {
	if cap(buf)-len(buf) >= n {
		return buf[:len(buf)+n]
	}
	nb := make([]byte, len(buf)+n, 2*cap(buf)+n)
	copy(nb, buf)
	return nb
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendMessageFrame appends m in the message stream format.
func appendMessageFrame(dst []byte, m *raftpb.Message) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(proto.Size(m)))
	return mustAppend(dst, m)
}
