package history

import (
	"sync"
	"testing"
	"time"
)

func TestRecorderConcurrentAdd(t *testing.T) {
	r := NewRecorder()
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				call := r.Now()
				r.Add(Op{Client: w, Kind: Get, Call: call, Return: r.Now(), Outcome: OK, Order: "o"})
			}
		}()
	}
	wg.Wait()

	ops := r.Ops()
	if len(ops) != workers*each || r.Len() != workers*each {
		t.Fatalf("got %d ops (Len %d), want %d", len(ops), r.Len(), workers*each)
	}
	seen := make(map[int]bool)
	for i, op := range ops {
		if op.ID < 1 || op.ID > workers*each || seen[op.ID] {
			t.Fatalf("op %d: id %d out of range or repeated", i, op.ID)
		}
		seen[op.ID] = true
		if i > 0 {
			p := ops[i-1]
			if p.Call > op.Call || (p.Call == op.Call && p.ID > op.ID) {
				t.Fatalf("ops %d and %d out of order: (%v,%d) then (%v,%d)", i-1, i, p.Call, p.ID, op.Call, op.ID)
			}
		}
		if op.Return < op.Call {
			t.Fatalf("op %d returns before its call", op.ID)
		}
	}
}

func TestRecorderOpsIsACopy(t *testing.T) {
	r := NewRecorder()
	id := r.Add(Op{Kind: Pay, Outcome: Unknown})
	if id != 1 {
		t.Fatalf("first id = %d, want 1", id)
	}
	ops := r.Ops()
	ops[0].Outcome = OK
	if got := r.Ops()[0].Outcome; got != Unknown {
		t.Fatalf("mutating Ops() changed the recorder: outcome %q", got)
	}
}

func TestRecorderSortsByCallThenID(t *testing.T) {
	r := NewRecorder()
	r.Add(Op{Kind: Pay, Call: 3 * time.Millisecond, Return: 4 * time.Millisecond, Outcome: OK}) // id 1
	r.Add(Op{Kind: Pay, Call: 1 * time.Millisecond, Return: 9 * time.Millisecond, Outcome: OK}) // id 2
	r.Add(Op{Kind: Pay, Call: 3 * time.Millisecond, Return: 5 * time.Millisecond, Outcome: OK}) // id 3
	var got []int
	for _, op := range r.Ops() {
		got = append(got, op.ID)
	}
	if want := []int{2, 1, 3}; !equalInts(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestRecorderClockIsMonotonic(t *testing.T) {
	r := NewRecorder()
	a := r.Now()
	b := r.Now()
	if a < 0 || b < a {
		t.Fatalf("clock went backwards: %v then %v", a, b)
	}
	if r.Start().IsZero() {
		t.Fatal("start is zero")
	}
}

func TestPhaseAt(t *testing.T) {
	const s, e = 10 * time.Second, 20 * time.Second
	tests := []struct {
		name       string
		t          time.Duration
		start, end time.Duration
		want       Phase
	}{
		{"before", 5 * time.Second, s, e, Before},
		{"at start", s, s, e, During},
		{"inside", 15 * time.Second, s, e, During},
		{"at end", e, s, e, After},
		{"after", 30 * time.Second, s, e, After},
		{"no window", 30 * time.Second, 0, 0, Before},
		{"inverted window", 15 * time.Second, e, s, Before},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PhaseAt(tt.t, tt.start, tt.end); got != tt.want {
				t.Fatalf("PhaseAt(%v, %v, %v) = %q, want %q", tt.t, tt.start, tt.end, got, tt.want)
			}
		})
	}
}

func TestTagPhases(t *testing.T) {
	ops := []Op{
		{ID: 1, Call: 1 * time.Second, Return: 12 * time.Second}, // sent before, answered during: before
		{ID: 2, Call: 11 * time.Second, Return: 25 * time.Second},
		{ID: 3, Call: 21 * time.Second, Return: 22 * time.Second},
	}
	TagPhases(ops, 10*time.Second, 20*time.Second)
	want := []Phase{Before, During, After}
	for i, op := range ops {
		if op.Phase != want[i] {
			t.Errorf("op %d: phase %q, want %q", op.ID, op.Phase, want[i])
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
