package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/onsi/ginkgo/v2/types"
)

// MaxInputBytes is the largest report Load and ReadGinkgo read: 1 GiB, some
// 120,000 scenarios. Load streams the file, so what it holds is the model,
// not the file; a larger file is refused with the sizes, before anything is
// decoded.
const MaxInputBytes int64 = 1 << 30

// openBounded opens path for reading at most limit bytes: a regular file
// over the limit is refused at once, and any other reader fails once it
// has given more than limit bytes.
func openBounded(path string, limit int64) (*os.File, io.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		f.Close()
		return nil, nil, fmt.Errorf("%s is %s bytes, over the limit of %s bytes (reports.MaxInputBytes)", path, fmtMoney(st.Size()), fmtMoney(limit))
	}
	return f, &boundedReader{r: f, left: limit, limit: limit}, nil
}

// boundedReader fails, rather than ends, past its limit, so that a cut
// stream is not mistaken for a whole one.
type boundedReader struct {
	r           io.Reader
	left, limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a file of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("input is over the limit of %s bytes (reports.MaxInputBytes)", fmtMoney(b.limit))
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// readBounded reads a whole file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, r, err := openBounded(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(r)
}

func loadLimited(path string, limit int64) (Report, error) {
	f, r, err := openBounded(path, limit)
	if err != nil {
		return Report{}, fmt.Errorf("%w: read report: %w", ErrBadInput, err)
	}
	defer f.Close()
	rep, err := decodeReport(r)
	if err != nil {
		if errors.Is(err, ErrBadInput) {
			return Report{}, err
		}
		return Report{}, fmt.Errorf("%w: report %s: %w", ErrBadInput, path, err)
	}
	return rep, nil
}

// decodeReport reads a report.json or a Ginkgo JSON report from r as a
// stream.
func decodeReport(r io.Reader) (Report, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	first, err := firstByte(br)
	if err != nil {
		return Report{}, err
	}
	dec := json.NewDecoder(br)
	var rep Report
	if first == '[' {
		rep, err = streamGinkgo(dec, Meta{})
	} else {
		rep, err = streamModel(dec, first)
	}
	if err != nil && !errors.Is(err, ErrBadInput) {
		err = describeJSONError(err)
	}
	return rep, err
}

// firstByte peeks at the first byte that is not white space; an input
// with none is empty.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			return 0, errors.New("file is empty")
		}
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, br.UnreadByte()
		}
	}
}

// expectDelim reads the next token and checks it is the delimiter want.
func expectDelim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("unexpected JSON shape: expected %s, got %v", what, tok)
	}
	return nil
}

// expectEnd checks nothing follows the value just read.
func expectEnd(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed JSON: data after the report")
	}
	return nil
}

// objectKeys walks a JSON object whose '{' was read, calling field for
// each key with the decoder at its value; field must consume the value.
func objectKeys(dec *json.Decoder, field func(key string) error) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("unexpected JSON shape: expected a key, got %v", tok)
		}
		if err := field(key); err != nil {
			return err
		}
	}
	return expectDelim(dec, '}', "the end of an object")
}

// fieldsExcept walks a JSON object whose '{' was read, keeping each field
// as raw JSON in head, except the field key, whose value stream reads.
func fieldsExcept(dec *json.Decoder, head map[string]json.RawMessage, key string, stream func() error) error {
	return objectKeys(dec, func(k string) error {
		if k == key {
			return stream()
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		head[k] = raw
		return nil
	})
}

// arrayItems walks a JSON array (or null) at the decoder, calling item for
// each element with the decoder at it; item must consume it.
func arrayItems(dec *json.Decoder, item func() error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("unexpected JSON shape: expected an array, got %v", tok)
	}
	for dec.More() {
		if err := item(); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']', "the end of an array")
}

// streamGinkgo reads a Ginkgo JSON report one spec report at a time:
// the suites' own fields are kept as raw JSON until the suite's end, the
// specs are turned into scenarios as they come.
func streamGinkgo(dec *json.Decoder, meta Meta) (Report, error) {
	if err := expectDelim(dec, '[', "an array of suite reports"); err != nil {
		return Report{}, err
	}
	b := builder{meta: meta}
	suites := 0
	for dec.More() {
		if err := streamSuite(dec, &b, suites); err != nil {
			return Report{}, err
		}
		suites++
	}
	if err := expectDelim(dec, ']', "the end of the suite reports"); err != nil {
		return Report{}, err
	}
	if err := expectEnd(dec); err != nil {
		return Report{}, err
	}
	if suites == 0 {
		return Report{}, errors.New("no suite in the report")
	}
	return b.finish()
}

func streamSuite(dec *json.Decoder, b *builder, index int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("not a Ginkgo JSON report: suite %d is %v, not an object", index, tok)
	}
	head := map[string]json.RawMessage{}
	header := func() (types.Report, error) {
		var gr types.Report
		raw, err := json.Marshal(head)
		if err == nil {
			err = json.Unmarshal(raw, &gr)
		}
		return gr, err
	}
	var pending []types.SpecReport // specs read before the suite's seed and path
	var gr types.Report
	ready, specs := false, 0
	err = fieldsExcept(dec, head, "SpecReports", func() error {
		if _, seed := head["SuiteConfig"]; seed && !ready {
			if _, path := head["SuitePath"]; path {
				if gr, err = header(); err != nil {
					return err
				}
				ready = true
			}
		}
		return arrayItems(dec, func() error {
			var sr types.SpecReport
			if err := dec.Decode(&sr); err != nil {
				return err
			}
			specs++
			if !ready {
				pending = append(pending, sr)
				return nil
			}
			return b.spec(gr, sr)
		})
	})
	if err != nil {
		return err
	}
	full, err := header()
	if err != nil {
		return err
	}
	if full.SuitePath == "" && full.SuiteDescription == "" && full.StartTime.IsZero() && specs == 0 {
		return fmt.Errorf("not a Ginkgo JSON report: suite %d has no path, description, start time or specs", index)
	}
	b.suite(full)
	for _, sr := range pending {
		if err := b.spec(full, sr); err != nil {
			return err
		}
	}
	b.endSuite()
	return nil
}

// streamModel reads a report.json one scenario at a time.
func streamModel(dec *json.Decoder, first byte) (Report, error) {
	if first != '{' {
		return Report{}, errors.New("not a paychaos report.json nor a Ginkgo JSON report")
	}
	if err := expectDelim(dec, '{', "an object"); err != nil {
		return Report{}, err
	}
	var r Report
	head := map[string]json.RawMessage{}
	err := fieldsExcept(dec, head, "scenarios", func() error {
		return arrayItems(dec, func() error {
			var s Scenario
			if err := dec.Decode(&s); err != nil {
				return err
			}
			r.Scenarios = append(r.Scenarios, s)
			return nil
		})
	})
	if err != nil {
		return Report{}, err
	}
	if err := expectEnd(dec); err != nil {
		return Report{}, err
	}
	raw, ok := head["schema_version"]
	var version int
	switch {
	case !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")):
		return Report{}, errors.New("not a paychaos report: no schema_version")
	case json.Unmarshal(raw, &version) != nil:
		return Report{}, fmt.Errorf("schema_version %s is not a number", clipID(string(raw)))
	case version < 1 || version > SchemaVersion:
		return Report{}, fmt.Errorf("schema_version %d is not one this build reads (1 to %d)", version, SchemaVersion)
	}
	delete(head, "scenarios")
	b, err := json.Marshal(head)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		return Report{}, err
	}
	return checkedModel(r, version)
}
