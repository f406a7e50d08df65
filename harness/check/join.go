package check

import (
	"fmt"
	"strings"

	"github.com/paychaos/paychaos/harness/history"
)

// DefaultMetadataKey is the payment metadata key that names an order when
// a target sets none.
const DefaultMetadataKey = "order_id"

// Join attributes the provider's payments to the SUT's orders by what the
// SUT keeps: first the PaymentIntent ids an order carries (most services
// store them), then the order id a payment carries in its metadata. A
// payment neither names is unattributed: the checker reports it, and
// never accuses an order of it. The checker and the harness's settle step
// use the same Join, so that both read a payment the same way.
type Join struct {
	key      string
	byPI     map[string]string // PaymentIntent id -> order id
	sessions int               // orders that keep only a Checkout Session id
}

// NewJoin builds the join for the SUT's orders; metadataKey "" means
// DefaultMetadataKey. When two orders claim one PaymentIntent, the first
// listed keeps it.
func NewJoin(orders []history.Order, metadataKey string) *Join {
	if metadataKey == "" {
		metadataKey = DefaultMetadataKey
	}
	j := &Join{key: metadataKey}
	for i := range orders {
		o := &orders[i]
		if len(o.PaymentIntents) == 0 {
			if o.CheckoutSession != "" {
				j.sessions++
			}
			continue
		}
		if j.byPI == nil {
			j.byPI = make(map[string]string, len(orders))
		}
		for _, pi := range o.PaymentIntents {
			if _, taken := j.byPI[pi]; !taken && pi != "" {
				j.byPI[pi] = o.ID
			}
		}
	}
	return j
}

// Order is the id of the order the payment belongs to, "" when the join
// cannot tell. paymentIntent is the payment's PaymentIntent id (a charge's
// payment_intent), metadata its metadata.
func (j *Join) Order(paymentIntent string, metadata map[string]string) string {
	if id, ok := j.byPI[paymentIntent]; ok && paymentIntent != "" {
		return id
	}
	return metadata[j.key]
}

// Reason says why the join could not place a payment, for a report.
func (j *Join) Reason() string {
	why := "no order the SUT reported keeps its PaymentIntent id, and its metadata has no " + j.key
	switch {
	case j.sessions > 0:
		why += fmt.Sprintf(" (the Checkout Session ids kept by %s are not linked to payments in the ledger)", plural(j.sessions, "order"))
	case j.byPI == nil:
		why += " (no order carries payment ids: a target sets fields.payment_intent for that)"
	}
	return why
}

// unattributedLost records, as one violation of no order, the money the
// unattributed payments still hold, and reports whether there was any.
func (ix *index) unattributedLost(f *finding) bool {
	if ix.unattributed < 0 {
		return false
	}
	var held int64
	var ids []string
	for _, p := range ix.paysOfOrder(ix.unattributed) {
		if live := ix.pays[p].live(); live > 0 {
			held += live
			ids = append(ids, ix.payID(p))
			f.ledgerIDs(ix.payLedgerIDs(p)...)
		}
	}
	if held == 0 {
		return false
	}
	list := strings.Join(ids[:min(len(ids), maxDetails)], ", ")
	if len(ids) > maxDetails {
		list += fmt.Sprintf(" and %d more", len(ids)-maxDetails)
	}
	f.violation(held, "(unattributed) %s hold %d that no order the SUT listed claims (%s): %s",
		plural(len(ids), "payment"), held, list, ix.join.Reason())
	return true
}

// unattributedNote names the payments the join could not place, what they
// hold and why, or is "" when every payment has its order. The money
// invariants leave these payments out: they belong to no order to accuse.
func (ix *index) unattributedNote() string {
	if ix.unattributed < 0 {
		return ""
	}
	ps := ix.paysOfOrder(ix.unattributed)
	if len(ps) == 0 {
		return ""
	}
	var held int64
	ids := make([]string, 0, min(len(ps), maxDetails))
	for _, p := range ps {
		held += max(ix.pays[p].live(), 0)
		if len(ids) < maxDetails {
			ids = append(ids, ix.payID(p))
		}
	}
	list := strings.Join(ids, ", ")
	if len(ps) > len(ids) {
		list += fmt.Sprintf(" and %d more", len(ps)-len(ids))
	}
	return fmt.Sprintf("%s unattributed (%s), holding %d: %s", plural(len(ps), "payment"), list, held, ix.join.Reason())
}
