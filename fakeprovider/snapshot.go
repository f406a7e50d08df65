package fakeprovider

import (
	"context"
	"time"
)

// Snapshot returns the ledger as it is now: every payment, charge,
// refund, event and delivery, with the fault counters. It is a copy; the
// provider keeps running.
func (p *Provider) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	s := Snapshot{
		Taken:          p.clock.now(),
		PaymentIntents: make([]PaymentRecord, 0, len(st.piOrder)),
		Charges:        make([]ChargeRecord, 0, len(st.chargeOrder)),
		Refunds:        make([]RefundRecord, 0, len(st.refundOrder)),
		Events:         make([]EventRecord, 0, len(st.eventOrder)),
		Deliveries:     append([]Delivery(nil), st.deliveries...),
		Faults:         p.faultStatusLocked(),
		UnknownRoutes:  st.unknownRoutes,
		UnknownParams:  st.unknownParams,
		Requests:       make(map[string]int64),
	}
	for _, pi := range st.piOrder {
		r := PaymentRecord{ID: pi.id, Amount: pi.amount, Currency: pi.currency, Status: pi.status,
			CaptureMethod: pi.captureMethod, AmountCapturable: pi.amountCapturable, AmountReceived: pi.amountReceived,
			PaymentMethod: pi.paymentMethod, Metadata: metadataMap(pi.metadata), IdempotencyKey: pi.idemKey,
			Created: time.Unix(0, pi.createdNs).UTC()}
		if pi.latestCharge != nil {
			r.LatestCharge = pi.latestCharge.id
		}
		s.PaymentIntents = append(s.PaymentIntents, r)
	}
	for _, ch := range st.chargeOrder {
		s.Charges = append(s.Charges, ChargeRecord{ID: ch.id, PaymentIntent: ch.pi.id, Amount: ch.amount,
			AmountCaptured: ch.amountCaptured, AmountRefunded: ch.refundedByRefunds(), Released: ch.released,
			Currency: ch.currency, Status: ch.status, Captured: ch.captured, Refunded: ch.refunded,
			FailureCode: ch.failureCode, DeclineCode: ch.declineCode, Metadata: metadataMap(ch.pi.metadata),
			Created: ch.createdAt})
	}
	for _, re := range st.refundOrder {
		s.Refunds = append(s.Refunds, RefundRecord{ID: re.id, Charge: re.charge.id, PaymentIntent: re.charge.pi.id,
			Amount: re.amount, Currency: re.currency, Status: re.status, Reason: re.reason, Created: re.createdAt})
	}
	for _, ev := range st.eventOrder {
		s.Events = append(s.Events, EventRecord{ID: p.eventID(ev), Type: ev.typ, ObjectID: ev.objectID(), Created: time.Unix(0, ev.createdNs).UTC(), RequestID: ev.reqID})
	}
	s.CheckoutSessions = p.sessionRecordsLocked()
	for i := routeID(1); i < numRoutes; i++ {
		if n := st.requests[i]; n > 0 {
			s.Requests[routes[i].pattern] = n
		}
	}
	return s
}

// Ledger is Snapshot for callers that speak to the provider through the
// same interface as the control Client.
func (p *Provider) Ledger(ctx context.Context) (Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return Snapshot{}, err
	}
	return p.Snapshot(), nil
}

// Reset forgets every payment, event, delivery, idempotency key, fault
// and counter. Webhook endpoints and the clock are kept: they are
// configuration, not state.
func (p *Provider) Reset(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	p.st = newState(p.st.gen + 1)
	p.faults = nil
	p.nfaults.Store(0)
	p.mu.Unlock()
	p.hooks.reset()
	return nil
}
