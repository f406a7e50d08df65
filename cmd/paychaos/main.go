// Command paychaos runs payment chaos scenarios against a service and
// reports whether it failed safely. See `paychaos --help`.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/paychaos/paychaos/scenarios/refshop"
)

// exitError carries a process exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func main() {
	refshop.RunIfChild() // this program is also the reference shop's process
	err := newRoot().Execute()
	if err == nil {
		return
	}
	code := 2 // the tool could not do its job: bad input, environment
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(os.Stderr, "paychaos:", msg)
	}
	os.Exit(code)
}
