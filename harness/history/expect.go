package history

import (
	"fmt"
	"strconv"
	"strings"
)

// StatusClass is a set of HTTP statuses an answer may have: a whole class
// (Class4xx) or one code (Code(404)).
type StatusClass struct{ lo, hi int }

// The classes attacks expect.
var (
	Class2xx = StatusClass{200, 299}
	Class4xx = StatusClass{400, 499}
)

// Code is the class of one status code.
func Code(n int) StatusClass { return StatusClass{n, n} }

// Has reports whether code is in c.
func (c StatusClass) Has(code int) bool { return code >= c.lo && code <= c.hi }

func (c StatusClass) String() string {
	if c.lo == c.hi {
		return strconv.Itoa(c.lo)
	}
	return strconv.Itoa(c.lo/100) + "xx"
}

// parseStatusClass reads "4xx" or "404".
func parseStatusClass(w string) (StatusClass, bool) {
	if len(w) != 3 || w[0] < '1' || w[0] > '5' {
		return StatusClass{}, false
	}
	if strings.EqualFold(w[1:], "xx") {
		lo := int(w[0]-'0') * 100
		return StatusClass{lo, lo + 99}, true
	}
	n, err := strconv.Atoi(w)
	if err != nil {
		return StatusClass{}, false
	}
	return Code(n), true
}

// Effect is what a malicious request may do to the SUT's state. Every one
// of them leaves the target order's status as it was (input-safety judges
// that); the others name what further invariants judge.
type Effect string

const (
	// NoChange: nothing changes.
	NoChange Effect = "no state change"
	// NoOrder: no order is created and nothing is charged.
	NoOrder Effect = "no order created, nothing charged"
	// NoOrderNoEcho: no order is created, and the card number sent is
	// neither echoed nor logged (no-secret-leak judges that).
	NoOrderNoEcho Effect = "no order created, the number neither echoed nor logged"
	// OncePerKey: requests sharing an idempotency key make at most one
	// order and one payment (no-double-charge judges that).
	OncePerKey Effect = "at most one order and one payment for the key"
)

var effects = []Effect{NoChange, NoOrder, NoOrderNoEcho, OncePerKey}

// Expect is the safe answer to a malicious request: the HTTP statuses it
// may get and what it may do. It is saved in a run's history as its
// text, "4xx, no state change" or "401 or 403 or 404, no state change".
type Expect struct {
	// Status lists the statuses allowed; none allows any below 500.
	Status []StatusClass
	// Effect is what the request may do; "" says nothing of it.
	Effect Effect
}

// Allows reports whether an answer with HTTP status code is safe by e's
// statuses: one of them, or, with none, any status below 500.
func (e Expect) Allows(code int) bool {
	if len(e.Status) == 0 {
		return code < 500
	}
	for _, c := range e.Status {
		if c.Has(code) {
			return true
		}
	}
	return false
}

// IsZero reports an expectation that says nothing.
func (e Expect) IsZero() bool { return len(e.Status) == 0 && e.Effect == "" }

func (e Expect) String() string {
	var b strings.Builder
	for i, c := range e.Status {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(c.String())
	}
	if e.Effect != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(e.Effect))
	}
	return b.String()
}

// MarshalText writes e as String does.
func (e Expect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText reads what MarshalText wrote: statuses joined by "or",
// commas or slashes, then, after a comma, one of the Effects. Anything
// else is an error, so that a saved run cannot hold an expectation the
// checker would misread.
func (e *Expect) UnmarshalText(b []byte) error {
	var out Expect
	rest := strings.TrimSpace(string(b))
	or := false // an "or" waits for its status
	for rest != "" {
		w, after, _ := strings.Cut(rest, " ")
		w = strings.TrimRight(w, ",/|")
		c, ok := parseStatusClass(w)
		if !ok {
			if w == "or" && len(out.Status) > 0 && !or {
				or, rest = true, strings.TrimSpace(after)
				continue
			}
			break
		}
		out.Status = append(out.Status, c)
		or, rest = false, strings.TrimSpace(after)
	}
	if or {
		return fmt.Errorf("expect %q: \"or\" and no status after it", b)
	}
	if rest != "" {
		for _, ef := range effects {
			if rest == string(ef) {
				out.Effect = ef
			}
		}
		if out.Effect == "" {
			return fmt.Errorf("expect %q: %q is neither a status (4xx, 404) nor a known effect", b, rest)
		}
	}
	*e = out
	return nil
}
