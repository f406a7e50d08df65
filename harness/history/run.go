package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
)

// File names inside a saved run's directory. OpsFile holds the header
// (Meta) and then one op a line.
const (
	OpsFile    = "history.jsonl"
	LedgerFile = "ledger.json"
	OrdersFile = "orders.json"
)

// Format is the header's format tag; Load refuses any other.
const Format = "paychaos-history/1"

// Meta describes a run well enough to re-check it and to reproduce it.
// The fault window lives here as plain durations on the history clock (the
// checker's Window is built from them) so that this package needs nothing
// from the checker.
type Meta struct {
	Scenario string    `json:"scenario"`
	Seed     int64     `json:"seed"`
	Started  time.Time `json:"started"`
	Mode     string    `json:"mode,omitempty"`
	Target   string    `json:"target,omitempty"`
	Traffic  string    `json:"traffic,omitempty"`
	// Faults names the faults injected, in order.
	Faults []string `json:"faults,omitempty"`
	// FaultStart and FaultEnd bound the fault window; FaultEnd <= FaultStart
	// means none was injected.
	FaultStart time.Duration `json:"fault_start"`
	FaultEnd   time.Duration `json:"fault_end"`
	// SettleEnd is when every pending payment had to be resolved.
	SettleEnd time.Duration `json:"settle_end"`
	// FailFastBudget is how long checkout may take while the provider is out.
	FailFastBudget time.Duration `json:"fail_fast_budget,omitempty"`
	// FailFastGrace is how long the SUT may take to notice the outage.
	FailFastGrace time.Duration `json:"fail_fast_grace,omitempty"`
	// MetadataKey is the payment metadata key that names an order, when
	// not order_id: the checker joins by it.
	MetadataKey string `json:"metadata_key,omitempty"`
	// OrdersListed says the SUT listed every order of the run's customers
	// (rather than being read one order at a time): a payment no order
	// claims is then money the SUT lost track of.
	OrdersListed bool `json:"orders_listed,omitempty"`
	// Lag is the harness's own scheduling delay during the run, which
	// timing checks allow for.
	Lag Lag `json:"lag,omitzero"`
	// RecoveryBudget is how long after the fault the SUT may take to take
	// payments again.
	RecoveryBudget time.Duration `json:"recovery_budget,omitempty"`
	// Reconciled are the orders that resolved only once the harness asked
	// the SUT to reconcile, after its own mechanisms had had their time.
	Reconciled []string `json:"reconciled,omitempty"`
	// BackgroundReconciler says the SUT declares a background reconciler.
	BackgroundReconciler bool `json:"background_reconciler,omitempty"`
	// Flow is how the SUT takes payments (server_confirm when empty); in
	// the flows with a browser step a payment awaiting the customer's
	// card moved no money and is the customer's to finish.
	Flow string `json:"flow,omitempty"`
}

// Run is everything a run leaves behind for the checker.
type Run struct {
	Meta   Meta
	Ops    []Op
	Orders []Order
	Ledger fakeprovider.Snapshot
}

// header is the first line of history.jsonl.
type header struct {
	Format string `json:"format"`
	Meta   Meta   `json:"meta"`
}

// Validate checks every op and order of the run, so that Save never writes
// what Load would refuse.
func (r Run) Validate() error {
	if err := r.Meta.Lag.validate(); err != nil {
		return err
	}
	seen := make(map[int]struct{}, len(r.Ops))
	for i, op := range r.Ops {
		if err := op.Validate(); err != nil {
			return fmt.Errorf("op %d (id %d): %w", i, op.ID, err)
		}
		if _, dup := seen[op.ID]; dup {
			return fmt.Errorf("op %d: duplicate id %d", i, op.ID)
		}
		seen[op.ID] = struct{}{}
	}
	return validateOrders(r.Orders)
}

func validateOrders(orders []Order) error {
	seen := make(map[string]struct{}, len(orders))
	for i, o := range orders {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("order %d (%q): %w", i, o.ID, err)
		}
		if _, dup := seen[o.ID]; dup {
			return fmt.Errorf("order %d: duplicate id %q", i, o.ID)
		}
		seen[o.ID] = struct{}{}
	}
	return nil
}

// Save writes run into dir, creating it if needed. Each file is written to
// a temporary name and renamed into place, so a failed save leaves no
// half-written file behind; an invalid run writes nothing.
func Save(dir string, run Run) error {
	if dir == "" {
		return errors.New("save run: empty directory name")
	}
	if err := run.Validate(); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	err := writeAtomic(dir, OpsFile, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(header{Format: Format, Meta: run.Meta}); err != nil {
			return err
		}
		for i := range run.Ops {
			if err := enc.Encode(&run.Ops[i]); err != nil {
				return fmt.Errorf("op %d: %w", run.Ops[i].ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	orders := run.Orders
	if orders == nil {
		orders = []Order{}
	}
	if err := writeAtomic(dir, OrdersFile, jsonWriter(orders)); err != nil {
		return err
	}
	return writeAtomic(dir, LedgerFile, jsonWriter(run.Ledger))
}

func jsonWriter(v any) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
}

// writeAtomic writes dir/name through a temporary file and a rename.
func writeAtomic(dir, name string, write func(io.Writer) error) (err error) {
	path := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// Load reads a run saved by Save. Every problem is reported with the file
// and, where there is one, the line: a saved run is evidence, and a
// silently misread one would be worse than none.
func Load(dir string) (Run, error) {
	var run Run
	meta, ops, err := loadHistory(filepath.Join(dir, OpsFile))
	if err != nil {
		return Run{}, err
	}
	run.Meta, run.Ops = meta, ops
	if err := loadJSON(filepath.Join(dir, OrdersFile), &run.Orders); err != nil {
		return Run{}, err
	}
	if err := validateOrders(run.Orders); err != nil {
		return Run{}, fmt.Errorf("%s: %w", filepath.Join(dir, OrdersFile), err)
	}
	if err := loadJSON(filepath.Join(dir, LedgerFile), &run.Ledger); err != nil {
		return Run{}, err
	}
	return run, nil
}

func loadHistory(path string) (Meta, []Op, error) {
	f, err := os.Open(path)
	if err != nil {
		return Meta{}, nil, fmt.Errorf("load history: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)

	var (
		meta   Meta
		ops    []Op
		seen   = make(map[int]int) // op id -> line
		line   = 0
		header = false
	)
	for {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 {
			line++
			b = bytes.TrimSpace(b)
			switch {
			case len(b) == 0:
				// A blank line carries nothing; tolerate it.
			case !header:
				m, herr := decodeHeader(b)
				if herr != nil {
					return Meta{}, nil, fmt.Errorf("%s line %d: %w", path, line, herr)
				}
				meta, header = m, true
			default:
				var op Op
				if derr := decodeStrict(b, &op); derr != nil {
					return Meta{}, nil, fmt.Errorf("%s line %d: decode op: %w", path, line, derr)
				}
				if verr := op.Validate(); verr != nil {
					return Meta{}, nil, fmt.Errorf("%s line %d: op %d: %w", path, line, op.ID, verr)
				}
				if prev, dup := seen[op.ID]; dup {
					return Meta{}, nil, fmt.Errorf("%s line %d: op id %d already used on line %d", path, line, op.ID, prev)
				}
				seen[op.ID] = line
				ops = append(ops, op)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Meta{}, nil, fmt.Errorf("%s line %d: %w", path, line+1, err)
		}
	}
	if !header {
		return Meta{}, nil, fmt.Errorf("%s: empty: no header line", path)
	}
	return meta, ops, nil
}

func decodeHeader(b []byte) (Meta, error) {
	var h header
	if err := decodeStrict(b, &h); err != nil {
		return Meta{}, fmt.Errorf("decode header: %w", err)
	}
	if h.Format != Format {
		return Meta{}, fmt.Errorf("header: format %q, want %q", h.Format, Format)
	}
	if err := h.Meta.Lag.validate(); err != nil {
		return Meta{}, fmt.Errorf("header: %w", err)
	}
	return h.Meta, nil
}

// decodeStrict decodes exactly one JSON value and refuses unknown fields,
// so that a misspelt field in a hand-made history is an error rather than
// a zero value.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// loadJSON decodes a whole-file JSON document, naming the line and column
// of a syntax or type error.
func loadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load run: %w", err)
	}
	if err := decodeStrict(b, v); err != nil {
		var off int64 = -1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		if off >= 0 {
			l, c := lineCol(b, off)
			return fmt.Errorf("%s line %d column %d: %w", path, l, c, err)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
