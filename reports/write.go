package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteJSON writes the model itself, indented, with its derived fields
// (verdict, score, totals, exit code) recomputed so that they agree with
// its scenarios and regressions. Scenarios are encoded one at a time, so
// a large run is never held twice in memory.
func WriteJSON(w io.Writer, r Report) error {
	r = masked(r)
	r.refresh()
	head := r
	head.Scenarios = nil
	var hb bytes.Buffer
	if err := encodeIndented(&hb, head, ""); err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	before, after, ok := bytes.Cut(hb.Bytes(), []byte("\n  \"scenarios\": null"))
	if !ok || r.Scenarios == nil {
		_, err := w.Write(hb.Bytes())
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(before)
	bw.WriteString("\n  \"scenarios\": [")
	var sb bytes.Buffer
	for i, s := range r.Scenarios {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		sb.Reset()
		if err := encodeIndented(&sb, s, "    "); err != nil {
			return fmt.Errorf("encode scenario %q: %w", s.ID, err)
		}
		bw.Write(bytes.TrimSuffix(sb.Bytes(), []byte("\n")))
	}
	if len(r.Scenarios) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')
	bw.Write(after)
	return bw.Flush()
}

// encodeIndented writes v as the report's JSON is written: indented by two
// spaces after prefix, HTML characters left as they are.
func encodeIndented(w io.Writer, v any, prefix string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteAll writes index.html, summary.md, junit.xml and report.json into
// dir, creating it if needed. Each is rendered into a temporary file
// beside its place, streamed rather than held in memory, and only once all
// four are complete are they renamed into place, so a failure leaves the
// previous files whole.
func WriteAll(dir string, r Report) error {
	r = masked(r)
	r.refresh()
	writers := []struct {
		name  string
		write func(io.Writer, Report) error
	}{
		{HTMLName, WriteHTML},
		{MarkdownName, WriteMarkdown},
		{JUnitName, WriteJUnit},
		{JSONName, WriteJSON},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create report dir: %w", err)
	}
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t) // no-op after the rename
		}
	}()
	for _, wr := range writers {
		tmp, err := renderTemp(filepath.Join(dir, wr.name), func(w io.Writer) error { return wr.write(w, r) })
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if err != nil {
			return err
		}
	}
	for i, wr := range writers {
		if err := os.Rename(temps[i], filepath.Join(dir, wr.name)); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Join(dir, wr.name), err)
		}
	}
	return nil
}

// renderTemp renders into a new temporary file beside path and returns
// its name, also on failure so the caller removes it.
func renderTemp(path string, render func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if err := render(w); err != nil {
		f.Close()
		return f.Name(), fmt.Errorf("render %s: %w", filepath.Base(path), err)
	}
	err = w.Flush()
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), fmt.Errorf("write %s: %w", path, err)
	}
	return f.Name(), nil
}
