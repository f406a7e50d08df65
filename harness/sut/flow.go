package sut

import (
	"fmt"
	"strings"
)

// Flow is how a SUT takes a payment, and so what the customer's browser
// does after the SUT's pay answer.
type Flow string

const (
	// FlowServerConfirm: the SUT creates and confirms the PaymentIntent
	// with the card the customer sent it. No browser step. The default.
	FlowServerConfirm Flow = "server_confirm"
	// FlowClientConfirm (Payment Element): the SUT creates the
	// PaymentIntent and answers its client_secret; the browser confirms it
	// at the provider with the publishable key and its card.
	FlowClientConfirm Flow = "client_confirm"
	// FlowCheckoutSession: the SUT creates a Checkout Session and answers
	// its url (or id); the customer pays on the provider's hosted page,
	// or abandons it.
	FlowCheckoutSession Flow = "checkout_session"
)

// Flows are the flows a target may name.
var Flows = []Flow{FlowServerConfirm, FlowClientConfirm, FlowCheckoutSession}

// ParseFlow reads a flow's name; "" is FlowServerConfirm.
func ParseFlow(s string) (Flow, error) {
	if s == "" {
		return FlowServerConfirm, nil
	}
	for _, f := range Flows {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Flows))
	for i, f := range Flows {
		names[i] = string(f)
	}
	return "", fmt.Errorf("flow %q: want one of %s", s, strings.Join(names, ", "))
}

// OrDefault is f, or FlowServerConfirm when f is empty.
func (f Flow) OrDefault() Flow {
	if f == "" {
		return FlowServerConfirm
	}
	return f
}

// Browser reports whether the flow has a browser step: the customer's own
// calls to the provider, over the browser's link.
func (f Flow) Browser() bool { return f.OrDefault() != FlowServerConfirm }

// validateFlow checks that the pay answer says what the target's flow
// needs the browser to have.
func (t Target) validateFlow() error {
	f, err := ParseFlow(string(t.Flow))
	if err != nil {
		return bad("flow", "%v", err)
	}
	pay := t.Fields.over(t.Pay.Fields)
	switch {
	case f == FlowClientConfirm && pay.ClientSecret == "":
		return bad("fields.client_secret", "required with flow client_confirm: where the PaymentIntent's client_secret is in the pay answer")
	case f == FlowCheckoutSession && pay.CheckoutURL == "" && pay.CheckoutSession == "":
		return bad("fields.checkout_url", "required with flow checkout_session: where the Checkout Session's url (or, as fields.checkout_session, its id) is in the pay answer")
	}
	return nil
}

// Flow implements Flower: the target's flow.
func (d *HTTPDriver) Flow() Flow { return d.t.Flow.OrDefault() }

var _ Flower = (*HTTPDriver)(nil)

// browserFields puts what the browser needs from an answer in r.
func browserFields(r *Reply, m map[string]any, f Fields) {
	r.ClientSecret = str(lookup(m, f.ClientSecret))
	r.CheckoutURL = str(lookup(m, f.CheckoutURL))
}
