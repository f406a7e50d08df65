package fakeprovider

import (
	"context"
	"encoding/json"
	"github.com/paychaos/paychaos/internal/secret"
	"net/http"
	"net/url"
	"strings"
)

// The provider has one publishable key (pk_test_…), as a Stripe account
// has: the customer's browser confirms a PaymentIntent with it and the
// PaymentIntent's client_secret (Stripe.js, the Payment Element). Stripe
// takes it on a few routes only (route.publishable) and answers 403
// secret_key_required on the others.

// WithPublishableKey sets the provider's publishable key. By default it is
// derived from the seed, so it is stable across runs with one seed.
func WithPublishableKey(k string) Option { return func(c *config) { c.publishableKey = k } }

// PublishableKey returns the provider's publishable key.
func (p *Provider) PublishableKey() string {
	if k := p.cfg.publishableKey; k != "" {
		return k
	}
	b := []byte("pk_test_")
	var h uint64
	for i := 0; i < 32; i++ {
		if i%10 == 0 { // ten base62 digits use up 60 of the 64 bits
			h = mix64(p.cfg.seed ^ 0x243f6a8885a308d3 + uint64(i))
		}
		b = append(b, base62[h%62])
		h /= 62
	}
	return string(b)
}

// Keys is what the control API says about the provider's API keys.
type Keys struct {
	PublishableKey string `json:"publishable_key"`
}

// APIKeys returns the provider's publishable key, for callers that speak
// to the provider through the same interface as the control Client.
func (p *Provider) APIKeys(ctx context.Context) (Keys, error) {
	if err := ctx.Err(); err != nil {
		return Keys{}, err
	}
	return Keys{PublishableKey: p.PublishableKey()}, nil
}

// authorize checks the request's key: a publishable key is the
// provider's own and the route takes it; anything else goes through
// authenticate.
func (p *Provider) authorize(r *http.Request, c *call) *apiError {
	a := r.Header.Get("Authorization")
	if a == "" && c.route != routeNone && routes[c.route].publishable {
		c.keyInForm = true // checked with the parameters (keyFromForm)
		return nil
	}
	k, bearer := strings.CutPrefix(a, "Bearer ")
	k = strings.TrimSpace(k)
	if !bearer || !strings.HasPrefix(k, "pk_") {
		return p.authenticate(r)
	}
	return p.publishableKey(c, k)
}

// publishableKey accepts k if it is the provider's publishable key and
// the route takes one.
func (p *Provider) publishableKey(c *call, k string) *apiError {
	if k != p.PublishableKey() {
		return &apiError{status: http.StatusUnauthorized, typ: errInvalidRequest,
			message: "Invalid API Key provided: " + secret.MaskKey(k)}
	}
	if c.route != routeNone && !routes[c.route].publishable {
		return &apiError{status: http.StatusForbidden, typ: errInvalidRequest, code: "secret_key_required",
			message: "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."}
	}
	c.publishable = true
	return nil
}

// keyFromForm authorizes a request whose key came as the key parameter
// (in the query or the body), read from the raw text so that a body that
// does not decode is still answered 401 or 403 first.
func (p *Provider) keyFromForm(c *call, query, body string) *apiError {
	k, ok := rawParam(query, "key")
	if !ok {
		k, ok = rawParam(body, "key")
	}
	if !ok || k == "" {
		return p.authenticate(c.r) // no key at all: Stripe's 401
	}
	return p.publishableKey(c, k)
}

// rawParam finds name=value among the &-separated pairs of s, unescaped;
// pairs that do not decode are skipped.
func rawParam(s, name string) (string, bool) {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		k, v, _ := strings.Cut(pair, "=")
		if k != name {
			if uk, err := url.QueryUnescape(k); err != nil || uk != name {
				continue
			}
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			return uv, true
		}
	}
	return "", false
}

// checkClientSecret enforces what a publishable key may do on a
// PaymentIntent: name it together with its client_secret.
func (p *Provider) checkClientSecret(c *call) *apiError {
	if c.route != routePIRetrieve && c.route != routePIConfirm {
		return nil
	}
	in := c.in()
	secret, _ := in.str("client_secret")
	if in.err != nil {
		return in.err
	}
	if secret == "" {
		return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_missing", param: "client_secret",
			message: "Missing required param: client_secret. A publishable key can act on this PaymentIntent only together with its client_secret."}
	}
	if !strings.HasPrefix(c.id, prefixPI) || secret != p.clientSecret(c.id) {
		return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: "client_secret",
			message: "The client_secret provided does not match the client_secret associated with the PaymentIntent."}
	}
	return nil
}

// publishablePIFields are the PaymentIntent fields Stripe returns to a
// publishable key (the object reference's "retrievable with publishable
// key"): what the browser needs to finish a payment, nothing the service
// keeps for itself (metadata, customer, charges, amounts received).
var publishablePIFields = map[string]bool{
	"id": true, "object": true, "amount": true, "automatic_payment_methods": true, "canceled_at": true,
	"cancellation_reason": true, "capture_method": true, "client_secret": true, "confirmation_method": true,
	"created": true, "currency": true, "description": true, "last_payment_error": true, "livemode": true,
	"next_action": true, "payment_method": true, "payment_method_types": true, "processing": true,
	"receipt_email": true, "setup_future_usage": true, "shipping": true, "status": true,
}

// publishableView is an answer as a publishable key sees it: a
// PaymentIntent, alone or in an error, keeps publishablePIFields only.
// Other answers pass unchanged. It runs on the browser's calls only.
func publishableView(body []byte) []byte {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return body
	}
	if string(top["object"]) == `"payment_intent"` {
		return redactPI(top)
	}
	var env map[string]json.RawMessage
	if raw, ok := top["error"]; !ok || json.Unmarshal(raw, &env) != nil {
		return body
	}
	var pi map[string]json.RawMessage
	if raw, ok := env["payment_intent"]; !ok || json.Unmarshal(raw, &pi) != nil {
		return body
	}
	env["payment_intent"] = redactPI(pi)
	top["error"], _ = json.Marshal(env)
	out, err := json.Marshal(top)
	if err != nil {
		return body
	}
	return out
}

func redactPI(pi map[string]json.RawMessage) []byte {
	for k := range pi {
		if !publishablePIFields[k] {
			delete(pi, k)
		}
	}
	out, _ := json.Marshal(pi) // RawMessages that came from valid JSON
	return out
}
