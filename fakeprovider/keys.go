package fakeprovider

import (
	"context"
	"net/http"
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
			message: "Invalid API Key provided: " + maskKey(k)}
	}
	if c.route != routeNone && !routes[c.route].publishable {
		return &apiError{status: http.StatusForbidden, typ: errInvalidRequest, code: "secret_key_required",
			message: "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."}
	}
	c.publishable = true
	return nil
}

// keyFromForm authorizes a request whose key came as the key parameter.
func (p *Provider) keyFromForm(c *call) *apiError {
	k, ok, e := c.f.strParam("key")
	if e != nil {
		return e
	}
	if !ok || k == "" {
		return p.authenticate(c.r) // no key at all: Stripe's 401
	}
	return p.publishableKey(c, k)
}

// checkClientSecret enforces what a publishable key may do on a
// PaymentIntent: name it together with its client_secret.
func (p *Provider) checkClientSecret(c *call) *apiError {
	if c.route != routePIRetrieve && c.route != routePIConfirm {
		return nil
	}
	secret, ok, e := c.f.strParam("client_secret")
	if e != nil {
		return e
	}
	if !ok || secret == "" {
		return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_missing", param: "client_secret",
			message: "Missing required param: client_secret. A publishable key can act on this PaymentIntent only together with its client_secret."}
	}
	if !strings.HasPrefix(c.id, prefixPI) || secret != p.clientSecret(c.id) {
		return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: "client_secret",
			message: "The client_secret provided does not match the client_secret associated with the PaymentIntent."}
	}
	return nil
}
