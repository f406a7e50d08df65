package traffic

import (
	"context"
	"sync"
)

// Start runs r.Run(ctx, p) in the background, beside the rest of a
// pipeline, until stop is called or ctx ends. stop ends the traffic,
// waits for the checkouts still in flight (their outcomes belong in the
// history) and returns Run's error; it may be called more than once.
func Start(ctx context.Context, r *Runner, p Profile) (stop func() error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, p)
		done <- err
	}()
	return sync.OnceValue(func() error {
		cancel()
		return <-done
	})
}
