package check

import (
	"math/rand"
	"slices"
	"testing"
)

// The guesses newIndex makes from the order of orders and payments are
// only shortcuts: in order, reversed or shuffled, every op and payment
// lands on the order the id map names, and the verdicts do not move.
func TestIndexGuessesAreShortcuts(t *testing.T) {
	in := genInput(rand.New(rand.NewSource(3)), 6000)
	want := Run(in)
	for _, reorder := range []func(){
		func() {},
		func() { slices.Reverse(in.Orders); slices.Reverse(in.Ledger.PaymentIntents) },
		func() {
			r := rand.New(rand.NewSource(4))
			r.Shuffle(len(in.Orders), func(i, j int) { in.Orders[i], in.Orders[j] = in.Orders[j], in.Orders[i] })
		},
	} {
		reorder()
		ix := newIndex(in)
		for i, op := range in.History {
			if op.Order == "" {
				continue
			}
			if o := ix.opOrder[i]; ix.orders[o].id != op.Order || ix.byID[op.Order] != o {
				t.Fatalf("op %d names %s, indexed under %s", op.ID, op.Order, ix.orders[o].id)
			}
		}
		for p, pay := range ix.pays {
			if pay.rec < 0 {
				continue
			}
			pi := &in.Ledger.PaymentIntents[pay.rec]
			if id := ix.join.Order(pi.ID, pi.Metadata); ix.orders[pay.order].id != id || ix.byID[id] != pay.order {
				t.Fatalf("payment %s of %s indexed under %s", ix.payID(int32(p)), id, ix.orders[pay.order].id)
			}
		}
		got := Run(in)
		for k := range want {
			if got[k].Result != want[k].Result || got[k].Message != want[k].Message {
				t.Errorf("%s: %s %q, in order %s %q", got[k].Invariant, got[k].Result, got[k].Message, want[k].Result, want[k].Message)
			}
		}
	}
}
