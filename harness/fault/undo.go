package fault

import (
	"context"
	"time"
)

// undoTimeout bounds every undo. It is a variable so that a test can
// shorten it.
var undoTimeout = 30 * time.Second

// undoContext is the context an undo runs with. It outlives ctx's
// cancellation, because what was injected must be undone even when the run
// is cancelled, and it ends after undoTimeout, because a hung undo (a
// Toxiproxy server stuck removing a toxic under load, a process that will
// not restart) must not hang the run.
func undoContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
}

// Undo runs f, a step that undoes part of a fault, with a context of its
// own: one that outlives ctx's cancellation and ends after a bound. Every
// undo of a half-done inject goes through it, in this package and in a
// new kind of fault written elsewhere.
func Undo(ctx context.Context, f func(context.Context) error) error {
	uctx, cancel := undoContext(ctx)
	defer cancel()
	return f(uctx)
}
