package history

import (
	"errors"
	"fmt"
	"strings"
)

// Valid reports whether k is one of the kinds this package defines.
func (k Kind) Valid() bool {
	switch k {
	case Pay, Get, Refund, Cancel, Webhook, Attack, Health, Confirm, CheckoutPage:
		return true
	}
	return false
}

// Valid reports whether o is ok, fail or unknown.
func (o Outcome) Valid() bool { return o == OK || o == Fail || o == Unknown }

// Valid reports whether p is a phase or empty (not tagged yet).
func (p Phase) Valid() bool { return p == "" || p == Before || p == During || p == After }

// Valid reports whether s is one of the harness's order statuses, including
// StatusNone.
func (s Status) Valid() bool {
	switch s {
	case StatusNone, StatusPending, StatusPaid, StatusFailed, StatusCanceled, StatusRefunded:
		return true
	}
	return false
}

// Validate says what is wrong with o, so that a hand-edited or corrupted
// history is refused with a precise message instead of skewing a verdict.
// Amounts are not checked: an attack may legitimately carry a negative one.
func (o Op) Validate() error {
	var errs []string
	if o.ID <= 0 {
		errs = append(errs, fmt.Sprintf("id %d: must be positive", o.ID))
	}
	if !o.Kind.Valid() {
		errs = append(errs, fmt.Sprintf("kind %q: want one of pay, get, refund, cancel, webhook, attack, health, browser-confirm, browser-checkout", o.Kind))
	}
	if !o.Outcome.Valid() {
		errs = append(errs, fmt.Sprintf("outcome %q: want ok, fail or unknown", o.Outcome))
	}
	if !o.Phase.Valid() {
		errs = append(errs, fmt.Sprintf("phase %q: want before, during, after or empty", o.Phase))
	}
	for _, s := range []struct {
		field string
		v     Status
	}{{"status", o.Status}, {"before", o.Before}, {"after", o.After}} {
		if !s.v.Valid() {
			errs = append(errs, fmt.Sprintf("%s %q: want pending, paid, failed, canceled, refunded or empty", s.field, s.v))
		}
	}
	if o.Call < 0 {
		errs = append(errs, fmt.Sprintf("call %v: must not be negative", o.Call))
	}
	if o.Return < o.Call {
		errs = append(errs, fmt.Sprintf("return %v before call %v", o.Return, o.Call))
	}
	if o.HTTPStatus != 0 && (o.HTTPStatus < 100 || o.HTTPStatus > 599) {
		errs = append(errs, fmt.Sprintf("http_status %d: want 100-599 or 0 for no answer", o.HTTPStatus))
	}
	return joinProblems(errs)
}

// Validate says what is wrong with an order read from the SUT.
func (o Order) Validate() error {
	var errs []string
	if o.ID == "" {
		errs = append(errs, "id is empty")
	}
	if !o.Status.Valid() {
		errs = append(errs, fmt.Sprintf("status %q: want pending, paid, failed, canceled, refunded or empty", o.Status))
	}
	if o.Amount < 0 {
		errs = append(errs, fmt.Sprintf("amount %d: must not be negative", o.Amount))
	}
	if o.Refunded < 0 {
		errs = append(errs, fmt.Sprintf("refunded %d: must not be negative", o.Refunded))
	}
	return joinProblems(errs)
}

// joinProblems makes one single-line error of a list of problems, so that
// a message prefixed with a file and line stays on one line.
func joinProblems(p []string) error {
	if len(p) == 0 {
		return nil
	}
	return errors.New(strings.Join(p, "; "))
}
