package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paychaos/paychaos/harness/history"
)

// noDoubleCharge: a customer pays for an order at most once.
//
// Rule: for every order (the ledger's payments joined to it by the
// PaymentIntent ids it keeps or by their metadata; payments the join
// cannot place accuse no one), at most one payment ever captured money, and the
// money the provider still holds (captured minus refunded, pending refunds
// counted as given back) is at most the order's amount; and no two orders
// created by the same client request (same customer and idempotency key)
// both captured money. A duplicate refunded later is still a double
// charge: the customer saw the card charged twice and waited for the
// money to come back. The ledger is the only evidence, so an unknown
// outcome cannot hide a charge.
type noDoubleCharge struct{}

func (noDoubleCharge) Name() string              { return "no-double-charge" }
func (c noDoubleCharge) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c noDoubleCharge) checkIndex(ix *index) Verdict {
	if !ix.anyCapture {
		if len(ix.payOps) == 0 {
			return skip(c.Name(), "no payment was attempted")
		}
		return Verdict{Invariant: c.Name(), Result: Pass, Message: "the provider captured nothing, so nothing twice"}
	}
	f := finding{name: c.Name()}
	checked := 0
	for o := range ix.orders {
		v := &ix.orders[o]
		if v.captured == 0 || int32(o) == ix.unattributed {
			continue
		}
		checked++
		live := v.live()
		if live <= v.amount && v.capturedPays <= 1 {
			continue
		}
		var maxCaptured int64
		var ids []string
		for _, p := range ix.paysOfOrder(int32(o)) {
			if c := ix.pays[p].captured; c > 0 {
				maxCaptured = max(maxCaptured, c)
				ids = append(ids, ix.payID(p))
				f.ledgerIDs(ix.payLedgerIDs(p)...)
			}
		}
		money := max(live-v.amount, v.captured-maxCaptured)
		f.violation(money, "%s: %s captured %d for an order of %d %s, %d still held (%s)",
			orderName(v.id), plural(int(v.capturedPays), "payment"), v.captured, v.amount, v.currency, live, strings.Join(ids, ", "))
		f.order(v.id)
		for _, i := range ix.opsOfOrder(int32(o)) {
			if op := ix.op(i); op.Kind == history.Pay {
				f.op(op.ID)
			}
		}
	}
	c.sameRequest(ix, &f)
	return f.verdict(
		fmt.Sprintf("%s charged twice", plural(f.n, "order or request")),
		fmt.Sprintf("%s with captured money checked: none was captured twice or holds more than its amount", plural(checked, "order")))
}

// sameRequest catches a SUT that turns one client request (one idempotency
// key) into two orders and charges both: per order everything looks fine.
// Pay ops are grouped by a hash of (customer, key), sorted by a radix
// sort: far cheaper than a map over a million keys, and only ops whose
// hashes are equal are compared.
func (noDoubleCharge) sameRequest(ix *index, f *finding) {
	ks := slices.Clone(ix.keyedPays) // the index is shared: sort a copy
	radixSort(ks)
	var requests [][]int32 // ops of each request that reached two orders or more
	for a := 0; a < len(ks); {
		b := a + 1
		for b < len(ks) && ks[b].h == ks[a].h {
			b++
		}
		if b-a > 1 {
			requests = splitRequests(ix, ks[a:b], requests)
		}
		a = b
	}
	slices.SortFunc(requests, func(x, y []int32) int { return int(x[0] - y[0]) })
	for _, req := range requests {
		orders := make([]int32, 0, len(req))
		for _, i := range req {
			orders = append(orders, ix.opOrder[i])
		}
		slices.Sort(orders)
		orders = slices.Compact(orders)
		var holding []int32
		for _, o := range orders {
			if ix.orders[o].captured > 0 {
				holding = append(holding, o)
			}
		}
		if len(holding) < 2 {
			continue
		}
		var money, maxLive int64
		names := make([]string, len(holding))
		for j, o := range holding {
			v := &ix.orders[o]
			names[j] = v.id
			money += v.captured
			maxLive = max(maxLive, v.captured)
			f.order(v.id)
			for _, p := range ix.paysOfOrder(o) {
				if ix.pays[p].captured > 0 {
					f.ledgerIDs(ix.payLedgerIDs(p)...)
				}
			}
		}
		for _, i := range req {
			f.op(ix.op(i).ID)
		}
		first := ix.op(req[0])
		f.violation(money-maxLive, "idempotency key %q paid %d orders (%s)", first.Key, len(holding), strings.Join(names, ", "))
	}
}

// splitRequests appends to out the ops of each distinct (customer, key)
// among run, whose hashes are all equal, that names more than one order.
// Ops keep their history order.
func splitRequests(ix *index, run []hashedOp, out [][]int32) [][]int32 {
	rest := make([]int32, len(run))
	for j := range run {
		rest[j] = run[j].i
	}
	slices.Sort(rest)
	for len(rest) > 0 {
		a := ix.op(rest[0])
		var same, other []int32
		multi := false
		for _, i := range rest {
			b := ix.op(i)
			if b.Customer == a.Customer && b.Key == a.Key {
				same = append(same, i)
				multi = multi || ix.opOrder[i] != ix.opOrder[rest[0]]
			} else {
				other = append(other, i)
			}
		}
		if multi {
			out = append(out, same)
		}
		rest = other
	}
	return out
}

// hashedOp is an op index with the hash it is sorted by. Thirty-two bits
// are plenty: equal hashes are only candidates, compared exactly after.
type hashedOp struct {
	h uint32
	i int32
}

// requestHash is FNV-1a over customer, a separator and key, folded to 32
// bits.
func requestHash(customer, key string) uint32 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for k := 0; k < len(customer); k++ {
		h = (h ^ uint64(customer[k])) * prime
	}
	h = (h ^ 0xff) * prime
	for k := 0; k < len(key); k++ {
		h = (h ^ uint64(key[k])) * prime
	}
	return uint32(h ^ h>>32)
}

// radixSort sorts by h: four stable passes of 8 bits, linear in len(s);
// 256 buckets keep the scattering writes within the caches.
func radixSort(s []hashedOp) {
	if len(s) < 256 {
		slices.SortStableFunc(s, func(a, b hashedOp) int {
			switch {
			case a.h < b.h:
				return -1
			case a.h > b.h:
				return 1
			}
			return 0
		})
		return
	}
	buf := make([]hashedOp, len(s))
	src, dst := s, buf
	var count [1 << 8]int
	for shift := uint(0); shift < 32; shift += 8 {
		clear(count[:])
		for _, x := range src {
			count[(x.h>>shift)&0xff]++
		}
		sum := 0
		for d := range count {
			c := count[d]
			count[d] = sum
			sum += c
		}
		for _, x := range src {
			d := (x.h >> shift) & 0xff
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	// Four passes: the result is back in s.
}
