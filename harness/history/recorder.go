package history

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Recorder collects the operations of a run from many goroutines. Its clock
// is the monotonic offset since NewRecorder, so a wall-clock step during a
// run cannot reorder operations.
type Recorder struct {
	start time.Time

	mu       sync.Mutex
	ops      []Op       // guarded by mu
	next     int        // last assigned id, guarded by mu
	inFlight map[int]Op // started, not returned; guarded by mu
	tokens   int        // last in-flight token, guarded by mu
}

// NewRecorder starts a recorder whose clock reads zero now.
func NewRecorder() *Recorder {
	return &Recorder{start: time.Now()}
}

// Start is the wall-clock instant the recorder's clock counts from.
func (r *Recorder) Start() time.Time { return r.start }

// Now is the time on the recorder's clock: the monotonic offset since
// start. Call it right before sending a request and right after its answer
// to fill Op.Call and Op.Return.
func (r *Recorder) Now() time.Duration { return time.Since(r.start) }

// Add records op, overwriting its ID with the next id (ids start at 1, so a
// zero ID always means "not recorded"), and returns that id.
func (r *Recorder) Add(op Op) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	op.ID = r.next
	r.ops = append(r.ops, op)
	return op.ID
}

// Begin notes that op has started (its Call set) and returns a token for
// End. Until then the operation shows in InFlight: a fault that makes
// every request hang still has the requests it caught as evidence.
func (r *Recorder) Begin(op Op) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight == nil {
		r.inFlight = map[int]Op{}
	}
	r.tokens++
	r.inFlight[r.tokens] = op
	return r.tokens
}

// End records op, which Begin started under token, and returns its id.
func (r *Recorder) End(token int, op Op) int {
	r.mu.Lock()
	delete(r.inFlight, token)
	r.mu.Unlock()
	return r.Add(op)
}

// InFlight returns the operations started and not yet returned, sorted by
// call time. Their outcome is empty: nobody knows it yet.
func (r *Recorder) InFlight() []Op {
	r.mu.Lock()
	out := make([]Op, 0, len(r.inFlight))
	for _, op := range r.inFlight {
		out = append(out, op)
	}
	r.mu.Unlock()
	SortOps(out)
	return out
}

// Len is the number of operations recorded so far.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ops)
}

// Ops returns a copy of the recorded operations sorted by call time, then
// id. Operations are appended when they return, so the raw order is by
// return time; checks and charts want call order.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	out := slices.Clone(r.ops)
	r.mu.Unlock()
	SortOps(out)
	return out
}

// SortOps sorts ops by call time, then id.
func SortOps(ops []Op) {
	slices.SortFunc(ops, func(a, b Op) int {
		if c := cmp.Compare(a.Call, b.Call); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
