package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteJSON writes the model itself, indented, with its derived fields
// (verdict, score, totals, exit code) recomputed so that they agree with
// its scenarios and regressions.
func WriteJSON(w io.Writer, r Report) error {
	r = masked(r)
	r.refresh()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return nil
}

// WriteAll writes index.html, summary.md, junit.xml and report.json into
// dir, creating it if needed. Everything is rendered before anything is
// written, and each file is replaced by a rename, so a failure leaves the
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
	rendered := make([][]byte, len(writers))
	for i, wr := range writers {
		var buf bytes.Buffer
		if err := wr.write(&buf, r); err != nil {
			return fmt.Errorf("render %s: %w", wr.name, err)
		}
		rendered[i] = buf.Bytes()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create report dir: %w", err)
	}
	for i, wr := range writers {
		if err := writeFileAtomic(filepath.Join(dir, wr.name), rendered[i]); err != nil {
			return err
		}
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
