package audit

import (
	"bufio"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/aporthq/aport/internal/keys"
)

// VerifyError names the first bad line of the log.
type VerifyError struct {
	Line    int    // 1-based line in Segment; 0 when the problem is not one line's
	Segment string // the file holding the line
	Problem string
	Err     error // an underlying I/O error, if any
}

func (e *VerifyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.Segment, e.Line, e.Problem)
	}
	return fmt.Sprintf("%s: %s", e.Segment, e.Problem)
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Summary describes a verified log.
type Summary struct {
	Events    int64
	First     string // ts of the first event
	Last      string // ts of the last event
	Kids      []string
	Segments  int
	LastSeq   int64
	LastHash  string
	Recovered []Recovery // partial writes kept out of the chain
}

// Recovery is the partial line (no newline) that an interrupted append left
// and the next Append closed with a newline and recorded.
type Recovery struct {
	Segment string
	Line    int   // the first skipped line
	Bytes   int64 // newlines included
	BySeq   int64 // the event that recorded it
}

// VerifyOptions tunes VerifyWith.
type VerifyOptions struct {
	Pubkeys        map[string]ed25519.PublicKey // trusted keys by kid
	Workers        int                          // signature-checking workers; <= 0: one per CPU
	AllowRecovered bool                         // accept recorded recoveries of partial writes
}

// Verify checks every segment of the log at path, oldest first: each line is
// canonical, hashes to its hash, is signed by one of pubkeys, and links to
// the one before it (seq increasing by one, prev_hash, genesis at the
// start). It streams in constant memory. A partial write that a later
// append recovered from is an error here; VerifyWith can accept it. The
// error, when the log does not verify, is a *VerifyError.
func Verify(path string, pubkeys map[string]ed25519.PublicKey, workers int) (*Summary, error) {
	return VerifyWith(path, VerifyOptions{Pubkeys: pubkeys, Workers: workers})
}

// VerifyWith is Verify with options. The summary is returned with the error
// too, describing what verified before the first bad line.
func VerifyWith(path string, opt VerifyOptions) (*Summary, error) {
	if len(opt.Pubkeys) == 0 {
		return nil, &VerifyError{Segment: path, Problem: "no public key to verify with"}
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	segs, err := Segments(path)
	if err != nil {
		return nil, &VerifyError{Segment: path, Problem: err.Error(), Err: err}
	}
	if _, err := os.Stat(path); err == nil {
		segs = append(segs, path)
	} else if len(segs) == 0 || !errors.Is(err, os.ErrNotExist) {
		return nil, &VerifyError{Segment: path, Problem: "cannot read the audit log: " + unwrapPath(err), Err: err}
	}
	hd, err := readHead(path)
	if err != nil {
		return nil, &VerifyError{Segment: HeadPath(path), Problem: "the head record is unreadable (" + err.Error() + "); it holds the newest event's seq and hash, and is rewritten by the next append", Err: err}
	}
	v := &verifier{opt: opt, sum: &Summary{}, lastHash: Genesis, head: hd, path: path}
	for i, seg := range segs {
		prev := ""
		if i > 0 {
			prev = filepath.Base(segs[i-1])
		}
		if err := v.segment(seg, prev); err != nil {
			return v.finish(), err
		}
	}
	sum := v.finish()
	if hd != nil && hd.Seq > sum.LastSeq {
		if v.lastSeg == "" {
			v.lastSeg = path
		}
		return sum, &VerifyError{Segment: v.lastSeg, Line: v.lastLine + 1, Problem: fmt.Sprintf(
			"events deleted from the end: the log ends at seq %d, but seq %d was written (head record %s)", sum.LastSeq, hd.Seq, HeadPath(path))}
	}
	if len(sum.Recovered) > 0 && !opt.AllowRecovered {
		r := sum.Recovered[0]
		return sum, &VerifyError{Segment: r.Segment, Line: r.Line, Problem: fmt.Sprintf(
			"truncated/partial write recovered: %d bytes kept out of the chain, recorded by seq %d", r.Bytes, r.BySeq)}
	}
	return sum, nil
}

func unwrapPath(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

type verifier struct {
	opt      VerifyOptions
	sum      *Summary
	lastSeq  int64
	lastHash string
	kids     map[string]bool
	head     *head
	path     string
	lastSeg  string
	lastLine int
}

func (v *verifier) finish() *Summary {
	v.sum.LastSeq, v.sum.LastHash = v.lastSeq, v.lastHash
	v.sum.Kids = v.sum.Kids[:0]
	for k := range v.kids {
		v.sum.Kids = append(v.sum.Kids, k)
	}
	slices.Sort(v.sum.Kids)
	return v.sum
}

// lineResult is what a worker found about one line.
type lineResult struct {
	problem   string
	seq       int64
	prevHash  string
	hash      string
	ts        string
	kid       string
	segPrev   string
	recovered *Recovered
	length    int64 // bytes, without the newline
	noNewline bool
}

type chunk struct {
	firstLine int
	data      []byte
	ends      []int // end offset (exclusive, newline excluded) of each line in data
	noNL      bool  // the last line has no newline
	res       []lineResult
	done      chan struct{}
}

const chunkLines = 256

// chunkBytes ends a chunk early when its lines are long: a chunk holds at
// most chunkBytes plus one line (MaxLineBytes), so verify's memory is about
// (2·workers+3) chunks of 2 MiB whatever the log holds.
const chunkBytes = 1 << 20

func (v *verifier) segment(path, prevSeg string) error {
	f, err := openRegular(path, os.O_RDONLY, 0)
	if err != nil {
		return &VerifyError{Segment: path, Problem: "cannot read: " + unwrapPath(err), Err: err}
	}
	defer f.Close()
	v.sum.Segments++

	work := make(chan *chunk, v.opt.Workers)
	ordered := make(chan *chunk, 2*v.opt.Workers+2)
	stop := make(chan struct{})
	defer close(stop)
	for range v.opt.Workers {
		go func() {
			for c := range work {
				v.checkChunk(c)
				close(c.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		readErr <- readChunks(f, func(c *chunk) bool {
			select {
			case ordered <- c:
			case <-stop:
				return false
			}
			select {
			case work <- c:
			case <-stop:
				return false
			}
			return true
		})
	}()

	seq := &sequencer{v: v, seg: path, prevSeg: prevSeg}
	for c := range ordered {
		<-c.done
		for i := range c.res {
			if err := seq.line(c.firstLine+i, &c.res[i]); err != nil {
				return err
			}
		}
	}
	if err := <-readErr; err != nil {
		if seq.run != nil {
			// invalid lines before the one that could not be read
			return seq.fail(seq.run.line, "%s", seq.run.problem)
		}
		var ve *VerifyError
		if errors.As(err, &ve) {
			ve.Segment = path
			return ve
		}
		return &VerifyError{Segment: path, Problem: "cannot read: " + err.Error(), Err: err}
	}
	return seq.end()
}

// readChunks splits the file into chunks of lines.
func readChunks(r io.Reader, emit func(*chunk) bool) error {
	br := bufio.NewReaderSize(r, 256<<10)
	line := 1
	c := &chunk{firstLine: line}
	flush := func() bool {
		if len(c.ends) == 0 {
			return true
		}
		c.res = make([]lineResult, len(c.ends))
		c.done = make(chan struct{})
		ok := emit(c)
		c = &chunk{firstLine: line, data: make([]byte, 0, len(c.data))}
		return ok
	}
	for {
		b, err := br.ReadSlice('\n')
		start := len(c.data)
		c.data = append(c.data, b...)
		// An overlong line ends the read, but the lines before it in this
		// chunk are still checked first: one of them may be the first bad line.
		tooLong := func() error {
			c.data = c.data[:start]
			flush()
			return &VerifyError{Line: line, Problem: fmt.Sprintf("line longer than %d bytes: not an event", MaxLineBytes)}
		}
		for err == bufio.ErrBufferFull {
			if len(c.data)-start > MaxLineBytes {
				return tooLong()
			}
			b, err = br.ReadSlice('\n')
			c.data = append(c.data, b...)
		}
		if err != nil && err != io.EOF {
			return err
		}
		if len(c.data) == start { // EOF with nothing more
			break
		}
		if c.data[len(c.data)-1] == '\n' {
			c.data = c.data[:len(c.data)-1]
		} else {
			c.noNL = true
		}
		if len(c.data)-start > MaxLineBytes {
			return tooLong()
		}
		c.ends = append(c.ends, len(c.data))
		line++
		if err == io.EOF {
			break
		}
		if len(c.ends) == chunkLines || len(c.data) >= chunkBytes {
			if !flush() {
				return nil
			}
		}
	}
	flush()
	return nil
}

// checkChunk does everything about a line that does not need the line
// before it: parse, canonical form, hash, key, and (batched) signature.
func (v *verifier) checkChunk(c *chunk) {
	defer func() {
		// Never let a bug in checking take the process down: every line
		// not yet judged is reported as unverifiable.
		if r := recover(); r != nil {
			for i := range c.res {
				if c.res[i].problem == "" {
					c.res[i].problem = fmt.Sprintf("could not be checked (internal error: %v)", r)
				}
			}
		}
	}()
	type pending struct {
		i   int
		msg []byte
		sig []byte
	}
	byKid := map[string][]pending{}
	start := 0
	var scratch []byte
	for i, end := range c.ends {
		line := c.data[start:end]
		start = end
		r := &c.res[i]
		r.length = int64(len(line))
		r.noNewline = c.noNL && i == len(c.ends)-1
		if r.noNewline {
			// Append writes each line with its newline in one call: a last
			// line without one is a partial write, even if it parses.
			r.problem = "truncated"
			continue
		}
		e, err := Parse(line)
		if e == nil {
			r.problem = "not a valid JSON event (" + shortErr(err) + ")"
			continue
		}
		r.seq, r.prevHash, r.hash, r.ts, r.kid, r.segPrev, r.recovered = e.Seq, e.PrevHash, e.Hash, e.TS, e.Kid, e.SegmentPrev, e.Recovered
		if err != nil {
			r.problem = "edited: " + err.Error()
			continue
		}
		var h string
		h, scratch = e.computeHash(scratch)
		if h != e.Hash {
			r.problem = "edited: its content does not match its hash"
			continue
		}
		if _, ok := v.opt.Pubkeys[e.Kid]; !ok {
			r.problem = fmt.Sprintf("signed by an unknown key (kid %q): a foreign or forged event", e.Kid)
			continue
		}
		enc, ok := strings.CutPrefix(e.Signature, "ed25519:")
		sig, err := keys.DecodeBase64(enc)
		if !ok || err != nil || len(sig) != ed25519.SignatureSize {
			r.problem = "edited: the signature is not ed25519:<base64 of 64 bytes> (in its one canonical spelling)"
			continue
		}
		byKid[e.Kid] = append(byKid[e.Kid], pending{i, []byte(e.Hash), sig})
	}
	for kid, ps := range byKid {
		pub := v.opt.Pubkeys[kid]
		msgs, sigs := make([][]byte, len(ps)), make([][]byte, len(ps))
		for j, p := range ps {
			msgs[j], sigs[j] = p.msg, p.sig
		}
		if batchVerify(pub, msgs, sigs) {
			continue
		}
		for _, p := range ps {
			if !ed25519.Verify(pub, p.msg, p.sig) {
				c.res[p.i].problem = fmt.Sprintf("the signature does not verify with key %s: a forged or edited event", kid)
			}
		}
	}
}

func shortErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "not a JSON event: ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// sequencer checks the chain, line by line in order.
type sequencer struct {
	v       *verifier
	seg     string
	prevSeg string
	events  int  // events seen in this segment
	run     *run // invalid lines waiting for a recovery record
}

type run struct {
	line      int
	lines     int
	bytes     int64
	problem   string
	noNewline bool
}

func (s *sequencer) fail(line int, format string, args ...any) error {
	return &VerifyError{Segment: s.seg, Line: line, Problem: fmt.Sprintf(format, args...)}
}

func (s *sequencer) line(n int, r *lineResult) error {
	v := s.v
	v.lastSeg, v.lastLine = s.seg, n
	if r.problem != "" {
		if s.run == nil {
			s.run = &run{line: n, problem: r.problem}
		}
		s.run.lines++
		s.run.bytes += r.length
		if !r.noNewline {
			s.run.bytes++
		}
		s.run.noNewline = r.noNewline
		return nil
	}
	if s.run != nil {
		rec := r.recovered
		if rec == nil || rec.AfterSeq != v.lastSeq || rec.Bytes != s.run.bytes {
			return s.fail(s.run.line, "%s", s.run.problem)
		}
		if s.run.lines > 1 {
			// Append writes each line with its newline in one write: only
			// the last line, left without one, can be an interrupted append.
			return s.fail(s.run.line, "%s; seq %d records these %d lines as one recovered partial write, but an interrupted append leaves a single line: complete lines were damaged or removed", s.run.problem, r.seq, s.run.lines)
		}
		v.sum.Recovered = append(v.sum.Recovered, Recovery{Segment: s.seg, Line: s.run.line, Bytes: s.run.bytes, BySeq: r.seq})
		s.run = nil
	} else if r.recovered != nil {
		return s.fail(n, "edited: it records a recovery of %d bytes, but no partial write precedes it", r.recovered.Bytes)
	}

	switch {
	case r.seq == v.lastSeq+1 && r.prevHash == v.lastHash:
	case v.lastSeq == 0 && r.prevHash != Genesis:
		return s.fail(n, "the log does not start at the genesis: its first event is seq %d, so the events (or segments) before it are missing", r.seq)
	case r.seq > v.lastSeq+1:
		return s.fail(n, "seq jumps from %d to %d: %d event(s) missing before this line (deleted, or lines reordered)", v.lastSeq, r.seq, r.seq-v.lastSeq-1)
	case r.seq <= v.lastSeq:
		return s.fail(n, "seq %d after seq %d: lines reordered or duplicated", r.seq, v.lastSeq)
	default:
		return s.fail(n, "prev_hash is not the hash of seq %d: an event was replaced, inserted or reordered here", v.lastSeq)
	}
	if s.events == 0 && s.prevSeg != "" && r.segPrev != s.prevSeg {
		return s.fail(n, "the first event of this segment names segment_prev %q, want %q (segments renamed or reordered)", r.segPrev, s.prevSeg)
	}
	if (s.events > 0 || s.prevSeg == "") && r.segPrev != "" {
		return s.fail(n, "segment_prev %q on an event that does not start a segment after another (segments missing, or the line was moved)", r.segPrev)
	}
	if h := v.head; h != nil && h.Seq == r.seq && h.Hash != r.hash {
		return s.fail(n, "seq %d does not have the hash the head record %s holds: the end of the log was replaced", r.seq, HeadPath(v.path))
	}
	s.events++
	v.lastSeq, v.lastHash = r.seq, r.hash
	if v.sum.Events == 0 {
		v.sum.First = r.ts
	}
	v.sum.Events++
	v.sum.Last = r.ts
	if v.kids == nil {
		v.kids = map[string]bool{}
	}
	v.kids[r.kid] = true
	return nil
}

func (s *sequencer) end() error {
	if s.run == nil {
		return nil
	}
	if s.run.noNewline {
		return s.fail(s.run.line, "truncated: a partial write of %d bytes with no newline at the end of the log (a crash during an append, or the file was cut)", s.run.bytes)
	}
	return s.fail(s.run.line, "%s", s.run.problem)
}
