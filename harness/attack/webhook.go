package attack

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// staleAge is how old a stale signature is: well past the 300 s Stripe's
// libraries tolerate.
const staleAge = 10 * time.Minute

// delivery is a forged webhook delivery: the event and how it is signed.
type delivery struct {
	body []byte
	// sig is the Stripe-Signature header; empty for none.
	sig string
}

// forge builds one delivery aimed at order o.
type forge func(s *setting, o history.Order) (delivery, error)

// webhookAttack is an attack that sends one forged delivery at the SUT's
// webhook endpoint for every order given, each built so that trusting it
// would visibly change that order.
func webhookAttack(name string, expect history.Expect, f forge) Attack {
	return Attack{Name: name, Kind: history.Webhook, Expect: expect, plan: func(s *setting) ([]shot, error) {
		if s.opts.WebhookPath == "" {
			return nil, skipf("the target has no webhook endpoint (Target.Webhook, Options.WebhookPath)")
		}
		if len(s.orders) == 0 {
			return nil, skipf("no order to aim at (Options.Orders)")
		}
		var shots []shot
		for _, o := range s.orders {
			if o.Status == history.StatusNone {
				continue
			}
			d, err := f(s, o)
			if err != nil {
				return nil, err
			}
			h := map[string]string{
				"Content-Type": "application/json; charset=utf-8",
				"User-Agent":   "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
			}
			if d.sig != "" {
				h["Stripe-Signature"] = d.sig
			}
			aim := o
			shots = append(shots, shot{
				variant: s.role(o) + "-order",
				send:    s.sender(rawPost(s.opts.WebhookPath, h, d.body)),
				aim:     &aim,
			})
		}
		if len(shots) == 0 {
			return nil, skipf("no order to aim at: the SUT knows none of Options.Orders")
		}
		return shots, nil
	}}
}

func unsigned(s *setting, o history.Order) (delivery, error) {
	return delivery{body: s.forgeEvent(o, s.opts.APIVersion, "")}, nil
}

// badSignature signs with a secret nobody has.
func badSignature(s *setting, o history.Order) (delivery, error) {
	body := s.forgeEvent(o, s.opts.APIVersion, "")
	return delivery{body: body, sig: fakeprovider.Sign(body, "whsec_"+s.hex(16), s.now())}, nil
}

// foreignAccount is an event of another provider account, correctly
// signed with that account's secret: genuine, but not for this SUT.
func foreignAccount(s *setting, o history.Order) (delivery, error) {
	body := s.forgeEvent(o, s.opts.APIVersion, "acct_foreign"+s.hex(6))
	return delivery{body: body, sig: fakeprovider.Sign(body, s.opts.ForeignSecret, s.now())}, nil
}

// stale is an event correctly signed with the SUT's own secret, ten
// minutes ago. Its body is fresh, so that only the signature's age can
// stop it (an event older than the order's last would be refused as
// out of order, which proves nothing about the timestamp check).
func stale(s *setting, o history.Order) (delivery, error) {
	if s.opts.WebhookSecret == "" {
		return delivery{}, skipf("needs the SUT's webhook secret (Options.WebhookSecret)")
	}
	body := s.forgeEvent(o, s.opts.APIVersion, "")
	return delivery{body: body, sig: fakeprovider.Sign(body, s.opts.WebhookSecret, s.now().Add(-staleAge))}, nil
}

// replay sends a real event again, as someone who captured its delivery
// would: the provider's own event (id, type, object, creation time, from
// Options.Ledger) signed at its creation time. Without a ledger event for
// the order it falls back to a captured delivery of an event that would
// change the order, signed ten minutes ago.
func replay(s *setting, o history.Order) (delivery, error) {
	if s.opts.WebhookSecret == "" {
		return delivery{}, skipf("needs the SUT's webhook secret (Options.WebhookSecret)")
	}
	if body, created, ok := s.realEvent(o); ok {
		return delivery{body: body, sig: fakeprovider.Sign(body, s.opts.WebhookSecret, created)}, nil
	}
	body := s.forgeEvent(o, s.opts.APIVersion, "")
	return delivery{body: body, sig: fakeprovider.Sign(body, s.opts.WebhookSecret, s.now().Add(-staleAge))}, nil
}

// malformedEvent is correctly signed but cut in half.
func malformedEvent(s *setting, o history.Order) (delivery, error) {
	if s.opts.WebhookSecret == "" {
		return delivery{}, skipf("needs the SUT's webhook secret (Options.WebhookSecret)")
	}
	full := s.forgeEvent(o, s.opts.APIVersion, "")
	body := full[:len(full)/2]
	return delivery{body: body, sig: fakeprovider.Sign(body, s.opts.WebhookSecret, s.now())}, nil
}

// otherAPIVersion is correctly signed but of another API release train
// than the SUT's: its objects may not mean what the SUT thinks.
func otherAPIVersion(s *setting, o history.Order) (delivery, error) {
	if s.opts.WebhookSecret == "" {
		return delivery{}, skipf("needs the SUT's webhook secret (Options.WebhookSecret)")
	}
	body := s.forgeEvent(o, otherTrain(s.opts.APIVersion), "")
	return delivery{body: body, sig: fakeprovider.Sign(body, s.opts.WebhookSecret, s.now())}, nil
}

// otherTrain is an API version of another release train than v
// ("2026-02-25.clover" -> "2025-03-31.basil").
func otherTrain(v string) string {
	if strings.HasSuffix(v, ".basil") {
		return "2024-06-20.acacia"
	}
	return "2025-03-31.basil"
}

// forgeEvent is a Stripe-shaped event that would change order o if the
// SUT believed it: payment_intent.succeeded for an order that holds no
// payment (pending, failed, canceled, refunded), charge.refunded in full
// for a paid one. It names the order in metadata[order_id] and carries
// the order's real PaymentIntent and Charge ids when the ledger has them.
func (s *setting) forgeEvent(o history.Order, apiVersion, account string) []byte {
	pi, ch := s.paymentIDs(o)
	now := s.now().Unix()
	meta := map[string]string{cmp.Or(s.opts.MetadataKey, check.DefaultMetadataKey): o.ID}
	var typ string
	var obj any
	if o.Status == history.StatusPaid {
		typ = "charge.refunded"
		obj = chargeObject{
			ID: ch, Object: "charge", Amount: o.Amount, AmountCaptured: o.Amount, AmountRefunded: o.Amount,
			Captured: true, Refunded: true, Currency: o.Currency, PaymentIntent: pi, Status: "succeeded",
			Paid: true, Metadata: meta, Created: now,
		}
	} else {
		typ = "payment_intent.succeeded"
		obj = piObject{
			ID: pi, Object: "payment_intent", Amount: o.Amount, AmountReceived: o.Amount, Currency: o.Currency,
			Status: "succeeded", LatestCharge: ch, CaptureMethod: "automatic", Metadata: meta, Created: now,
		}
	}
	return eventJSON("evt_"+s.hex(12), typ, apiVersion, account, now, obj)
}

// realEvent rebuilds the newest event the provider emitted about order
// o's payments, from the ledger, and the time it was created.
func (s *setting) realEvent(o history.Order) ([]byte, time.Time, bool) {
	led := s.opts.Ledger
	if led == nil {
		return nil, time.Time{}, false
	}
	pis := map[string]*fakeprovider.PaymentRecord{}
	join := s.join()
	for i := range led.PaymentIntents {
		if p := &led.PaymentIntents[i]; join.Order(p.ID, p.Metadata) == o.ID {
			pis[p.ID] = p
		}
	}
	chs := map[string]*fakeprovider.ChargeRecord{}
	for i := range led.Charges {
		if c := &led.Charges[i]; pis[c.PaymentIntent] != nil {
			chs[c.ID] = c
		}
	}
	var ev *fakeprovider.EventRecord
	for i := range led.Events {
		e := &led.Events[i]
		if pis[e.ObjectID] == nil && chs[e.ObjectID] == nil {
			continue
		}
		if ev == nil || !e.Created.Before(ev.Created) {
			ev = e
		}
	}
	if ev == nil {
		return nil, time.Time{}, false
	}
	var obj any
	if p := pis[ev.ObjectID]; p != nil {
		obj = piObject{
			ID: p.ID, Object: "payment_intent", Amount: p.Amount, AmountReceived: p.AmountReceived,
			Currency: p.Currency, Status: p.Status, LatestCharge: p.LatestCharge, CaptureMethod: cmp.Or(p.CaptureMethod, "automatic"),
			Metadata: p.Metadata, Created: p.Created.Unix(),
		}
	} else {
		c := chs[ev.ObjectID]
		obj = chargeObject{
			ID: c.ID, Object: "charge", Amount: c.Amount, AmountCaptured: c.AmountCaptured, AmountRefunded: c.AmountRefunded,
			Captured: c.Captured, Refunded: c.Refunded, Currency: c.Currency, PaymentIntent: c.PaymentIntent,
			Status: c.Status, Paid: c.Status == "succeeded", Metadata: c.Metadata, Created: c.Created.Unix(),
		}
	}
	return eventJSON(ev.ID, ev.Type, s.opts.APIVersion, "", ev.Created.Unix(), obj), ev.Created, true
}

// join finds the order of a payment as the checker does: by the
// PaymentIntent ids the SUT keeps for its orders, then by metadata. A SUT
// that keeps only PaymentIntent ids is then sent its orders' real ids.
func (s *setting) join() *check.Join {
	return check.NewJoin(s.orders, s.opts.MetadataKey)
}

// paymentIDs are the PaymentIntent and Charge ids of order o: its newest
// payment in the ledger, else ids made up once per order and run.
func (s *setting) paymentIDs(o history.Order) (pi, ch string) {
	if led := s.opts.Ledger; led != nil {
		var best *fakeprovider.PaymentRecord
		join := s.join()
		for i := range led.PaymentIntents {
			p := &led.PaymentIntents[i]
			if join.Order(p.ID, p.Metadata) == o.ID && (best == nil || !p.Created.Before(best.Created)) {
				best = p
			}
		}
		if best != nil {
			ch = best.LatestCharge
			if ch == "" {
				ch = "ch_" + s.hex(12)
			}
			return best.ID, ch
		}
	}
	if ids, ok := s.forgedIDs[o.ID]; ok {
		return ids[0], ids[1]
	}
	ids := [2]string{"pi_" + s.hex(12), "ch_" + s.hex(12)}
	s.forgedIDs[o.ID] = ids
	return ids[0], ids[1]
}

type piObject struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Amount         int64             `json:"amount"`
	AmountReceived int64             `json:"amount_received"`
	CaptureMethod  string            `json:"capture_method"`
	Currency       string            `json:"currency"`
	LatestCharge   string            `json:"latest_charge,omitempty"`
	Livemode       bool              `json:"livemode"`
	Metadata       map[string]string `json:"metadata"`
	Status         string            `json:"status"`
	Created        int64             `json:"created"`
}

type chargeObject struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Amount         int64             `json:"amount"`
	AmountCaptured int64             `json:"amount_captured"`
	AmountRefunded int64             `json:"amount_refunded"`
	Captured       bool              `json:"captured"`
	Currency       string            `json:"currency"`
	Livemode       bool              `json:"livemode"`
	Metadata       map[string]string `json:"metadata"`
	Paid           bool              `json:"paid"`
	PaymentIntent  string            `json:"payment_intent"`
	Refunded       bool              `json:"refunded"`
	Status         string            `json:"status"`
	Created        int64             `json:"created"`
}

type eventRequest struct {
	ID             *string `json:"id"`
	IdempotencyKey *string `json:"idempotency_key"`
}

// eventJSON is a Stripe event envelope, in the order Stripe writes it.
func eventJSON(id, typ, apiVersion, account string, created int64, obj any) []byte {
	ev := struct {
		ID              string       `json:"id"`
		Object          string       `json:"object"`
		Account         string       `json:"account,omitempty"`
		APIVersion      string       `json:"api_version"`
		Created         int64        `json:"created"`
		Data            any          `json:"data"`
		Livemode        bool         `json:"livemode"`
		PendingWebhooks int          `json:"pending_webhooks"`
		Request         eventRequest `json:"request"`
		Type            string       `json:"type"`
	}{
		ID: id, Object: "event", Account: account, APIVersion: apiVersion, Created: created,
		Data: map[string]any{"object": obj}, PendingWebhooks: 1, Type: typ,
	}
	b, _ := json.Marshal(ev) // cannot fail: strings, numbers, booleans and string maps
	return b
}

func rawPost(path string, h map[string]string, body []byte) sut.RawRequest {
	return sut.RawRequest{Method: http.MethodPost, Path: path, Header: h, Body: body}
}
