// Package browser plays the customer's browser in the payment flows that
// have one: it confirms a PaymentIntent at the provider with its
// client_secret and the publishable key, as Stripe.js does (flow
// client_confirm), and pays on, or abandons, the provider's hosted
// Checkout page (flow checkout_session). It talks to the provider through
// its own address, the browser's Toxiproxy link, so that network faults
// can take the customer's path to Stripe too.
package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Browser is one customer's browser. The zero value is not usable: Base
// and Key are needed.
type Browser struct {
	// Base is where the browser reaches the provider (the browser link).
	Base string
	// Key is the provider's publishable key.
	Key string
	// Client makes the requests; nil means one with a 10s timeout.
	Client *http.Client
}

// Answer is what the provider told the browser. A transport error, a
// lost or unreadable answer, or a 5xx is an error instead, or Unknown:
// the step may have taken effect.
type Answer struct {
	HTTPStatus int
	// Status is the PaymentIntent's status (confirm) or the session's
	// (hosted page: open, complete, expired).
	Status string
	// PaymentStatus is the session's payment_status on the hosted page.
	PaymentStatus string
	// Code is the error code the provider gave, when it gave one.
	Code string
	// Body is an excerpt of the answer.
	Body string
}

// Done reports whether the payment step took effect for sure: the
// PaymentIntent succeeded or is processing, or the session completed.
func (a Answer) Done() bool {
	switch a.Status {
	case "succeeded", "processing", "requires_capture", "complete":
		return true
	}
	return false
}

// Failed reports whether the step provably did not take the customer's
// money: a decline or a refusal (4xx), or an answer that says the payment
// waits for a new payment method.
func (a Answer) Failed() bool {
	if a.HTTPStatus >= 400 && a.HTTPStatus < 500 {
		return true
	}
	return a.Status == "requires_payment_method" || a.Status == "canceled" || a.Status == "expired"
}

func (b *Browser) client() *http.Client {
	if b.Client != nil {
		return b.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// ErrNotSecret is returned for a client_secret that names no PaymentIntent.
var ErrNotSecret = errors.New("not a PaymentIntent client_secret (want pi_…_secret_…)")

// Confirm confirms the PaymentIntent that clientSecret belongs to with
// the payment method the customer chose (a test id such as pm_card_visa),
// as stripe.confirmPayment does.
func (b *Browser) Confirm(ctx context.Context, clientSecret, paymentMethod string) (Answer, error) {
	id, _, ok := strings.Cut(clientSecret, "_secret_")
	if !ok || !strings.HasPrefix(id, "pi_") {
		return Answer{}, ErrNotSecret
	}
	form := url.Values{"client_secret": {clientSecret}, "payment_method": {paymentMethod}, "return_url": {"https://shop.example/return"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(b.Base, "/")+"/v1/payment_intents/"+url.PathEscape(id)+"/confirm", strings.NewReader(form.Encode()))
	if err != nil {
		return Answer{}, fmt.Errorf("confirm %s: %w", id, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+b.Key)
	status, body, err := b.do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("confirm %s: %w", id, err)
	}
	a := Answer{HTTPStatus: status, Body: excerpt(body)}
	var pi struct {
		Status string `json:"status"`
		Error  *struct {
			Code          string `json:"code"`
			DeclineCode   string `json:"decline_code"`
			PaymentIntent *struct {
				Status string `json:"status"`
			} `json:"payment_intent"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &pi); err != nil {
		return a, fmt.Errorf("confirm %s: HTTP %d with an unreadable answer: %w", id, status, err)
	}
	a.Status = pi.Status
	if pi.Error != nil {
		a.Code = pi.Error.Code
		if pi.Error.PaymentIntent != nil {
			a.Status = pi.Error.PaymentIntent.Status
		}
	}
	return a, nil
}

// Checkout opens the hosted page at pageURL and pays it with card (a
// test card number or id), as a customer would: GET the page, then POST
// its form. Only the page's path is kept: the browser reaches the
// provider through Base, wherever the SUT's url says the page is.
func (b *Browser) Checkout(ctx context.Context, pageURL, card string) (Answer, error) {
	page, err := b.pageURL(pageURL)
	if err != nil {
		return Answer{}, err
	}
	a, action, err := b.open(ctx, page)
	if err != nil || action == "" {
		return a, err
	}
	target, err := url.Parse(page)
	if err == nil {
		var ref *url.URL
		if ref, err = url.Parse(action); err == nil {
			target = target.ResolveReference(ref)
		}
	}
	if err != nil {
		return a, fmt.Errorf("checkout page %s: form action %q: %w", page, action, err)
	}
	form := url.Values{"card": {card}, "email": {"customer@example.com"}, "exp": {"12 / 34"}, "cvc": {"123"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return a, fmt.Errorf("checkout page %s: %w", page, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.pageAnswer(req, page)
}

// Abandon opens the hosted page and leaves without paying: the customer
// who closes the tab. The session stays open until it expires.
func (b *Browser) Abandon(ctx context.Context, pageURL string) (Answer, error) {
	page, err := b.pageURL(pageURL)
	if err != nil {
		return Answer{}, err
	}
	a, _, err := b.open(ctx, page)
	return a, err
}

// open GETs the page and returns its state and the pay form's action, if
// it shows one.
func (b *Browser) open(ctx context.Context, page string) (Answer, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return Answer{}, "", fmt.Errorf("checkout page %s: %w", page, err)
	}
	a, err := b.pageAnswer(req, page)
	if err != nil || a.HTTPStatus != http.StatusOK || a.Status != "open" {
		return a, "", err
	}
	m := formAction.FindSubmatch([]byte(a.Body))
	if m == nil {
		return a, "", nil
	}
	return a, html.UnescapeString(string(m[1])), nil
}

// pageAnswer sends a page request; a redirect (303 to success_url) is the
// answer itself, not followed.
func (b *Browser) pageAnswer(req *http.Request, page string) (Answer, error) {
	status, body, err := b.do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("checkout page %s: %w", page, err)
	}
	a := Answer{HTTPStatus: status, Body: excerpt(body)}
	if status == http.StatusSeeOther || status == http.StatusFound {
		a.Status, a.PaymentStatus = "complete", "paid"
		return a, nil
	}
	if m := dataStatus.FindSubmatch(body); m != nil {
		a.Status = string(m[1])
	}
	if m := dataPayStatus.FindSubmatch(body); m != nil {
		a.PaymentStatus = string(m[1])
	}
	if m := dataCode.FindSubmatch(body); m != nil {
		a.Code = string(m[1])
	}
	if a.Status == "open" && challenge.Match(body) {
		a.Status = "requires_action" // the bank's 3-D Secure page: the payment waits on the customer
	}
	if status >= 500 || (a.Status == "" && status != http.StatusGone && status != http.StatusNotFound) {
		return a, fmt.Errorf("checkout page %s: HTTP %d with no page state", page, status)
	}
	if status == http.StatusGone {
		a.Status = "expired"
	}
	return a, nil
}

// pageURL is the hosted page's address as the browser reaches it: the
// path of u (a full url or a session id) on Base.
func (b *Browser) pageURL(u string) (string, error) {
	if strings.HasPrefix(u, "cs_") {
		return strings.TrimRight(b.Base, "/") + "/pay/" + url.PathEscape(u), nil
	}
	p, err := url.Parse(u)
	if err != nil || p.Path == "" {
		return "", fmt.Errorf("checkout url %q: want the session's url or its id (cs_…)", u)
	}
	return strings.TrimRight(b.Base, "/") + p.EscapedPath(), nil
}

func (b *Browser) do(req *http.Request) (int, []byte, error) {
	c := *b.client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read the answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">\s*<label>Email`)

// The hosted page's state, in the data- attributes it carries for scripts.
var (
	dataStatus    = regexp.MustCompile(`data-status="([^"]*)"`)
	dataPayStatus = regexp.MustCompile(`data-payment-status="([^"]*)"`)
	dataCode      = regexp.MustCompile(`data-code="([^"]*)"`)
	challenge     = regexp.MustCompile(`<form method="post" action="[^"]*/authenticate"`)
)

func excerpt(b []byte) string {
	const n = 512
	if len(b) > n {
		return string(b[:n])
	}
	return string(b)
}
