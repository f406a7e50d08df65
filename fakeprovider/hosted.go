package fakeprovider

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
)

// The hosted Checkout page: a Checkout Session's url points here, on the
// provider's own address, under a path that cannot clash with /v1/. The
// customer (a browser, or the harness playing one) pays with an HTTP form
// post of a test card: a number such as 4242 4242 4242 4242, a test id
// (pm_card_visa) or a token (tok_visa). The answers say what a browser
// would see: 303 to success_url when the session completes, 402 with the
// error shown when the card is declined (the session stays open), 200
// with a 3-D Secure challenge (complete or fail it with a post to
// /pay/{id}/authenticate), 410 once the session has expired. The page's
// body carries data-status and data-payment-status for scripts. Faults
// choose these routes like any other ("POST /pay/{id}").

const hostedPrefix = "/pay/"

// WithHostedURL sets the base URL the hosted pages are linked from in a
// session's url (e.g. the address of a proxy in front of the provider on
// the customer's side). By default it is the address the creating request
// reached.
func WithHostedURL(base string) Option { return func(c *config) { c.hostedBase = base } }

// matchHosted maps a path under /pay/ to its route.
func matchHosted(method, path string) (routeID, string) {
	rest := strings.TrimPrefix(path, hostedPrefix)
	id, action, act := strings.Cut(rest, "/")
	if id == "" || strings.IndexByte(action, '/') >= 0 {
		return routeNone, ""
	}
	switch {
	case !act && method == http.MethodGet:
		return routeHostedPage, id
	case !act && method == http.MethodPost:
		return routeHostedSubmit, id
	case act && action == "authenticate" && method == http.MethodPost:
		return routeHostedAuth, id
	}
	return routeNone, ""
}

// serveHosted runs a page request through the fault pipeline of the API
// (away, errors, slow, commit-then-fail, body faults), without keys or
// idempotency: a browser has neither.
func (p *Provider) serveHosted(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r, reqID: p.ids.short("req_")}
	w.Header()["Request-Id"] = []string{c.reqID}
	c.route, c.id = matchHosted(r.Method, r.URL.Path)
	pre := p.admit(c)
	if pre.away != nil {
		p.actAway(w, c, pre.away)
		return
	}
	if c.route == routeNone {
		p.write(w, c, pageResult(http.StatusNotFound, page{Title: "Not found", Message: "There is no page here."}), postFaults{})
		return
	}
	f := getForm()
	if r.Method == http.MethodPost {
		putForm(f)
		var e *apiError
		if f, e = p.decode(r, c.route); e != nil {
			p.write(w, c, pageResult(e.status, page{Title: "Bad request", Error: e.message, Code: e.code}), postFaults{})
			return
		}
	}
	c.f = f
	defer putForm(f)
	if pre.err != nil {
		p.write(w, c, p.faultError(c, pre.err), postFaults{})
		return
	}
	if pre.delay > 0 {
		p.sleep(r.Context(), pre.delay)
	}
	p.respond(w, c, routes[c.route].handle(p, c))
}

// page is what the template shows.
type page struct {
	Title, Message     string
	Error, Code        string
	Session            string
	Status, PayStatus  string
	Items              []pageItem
	Total              string
	Pay, Authenticate  string // form actions
	CancelURL, Success string
	Challenge          bool
}

type pageItem struct {
	Name     string
	Quantity int64
	Amount   string
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body data-session="{{.Session}}" data-status="{{.Status}}" data-payment-status="{{.PayStatus}}">
<h1>{{.Title}}</h1>
{{with .Message}}<p class="message">{{.}}</p>{{end}}
{{with .Error}}<p class="error" role="alert" data-code="{{$.Code}}">{{.}}</p>{{end}}
{{if .Items}}<table>{{range .Items}}<tr><td>{{.Name}}</td><td>× {{.Quantity}}</td><td>{{.Amount}}</td></tr>{{end}}
<tr><th colspan="2">Total</th><th class="total">{{.Total}}</th></tr></table>{{end}}
{{if .Challenge}}<p>Your bank asks you to confirm this payment (3-D Secure test page).</p>
<form method="post" action="{{.Authenticate}}"><input type="hidden" name="result" value="complete"><button>Complete authentication</button></form>
<form method="post" action="{{.Authenticate}}"><input type="hidden" name="result" value="fail"><button>Fail authentication</button></form>
{{else if .Pay}}<form method="post" action="{{.Pay}}">
<label>Email <input name="email" type="email" autocomplete="email"></label>
<label>Card number <input name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"></label>
<label>Expiry <input name="exp" placeholder="12 / 34"></label>
<label>CVC <input name="cvc" placeholder="123"></label>
<button type="submit">Pay {{.Total}}</button>
</form>{{end}}
{{with .CancelURL}}<p><a href="{{.}}">Back</a></p>{{end}}
{{with .Success}}<p><a class="continue" href="{{.}}">Continue</a></p>{{end}}
</body></html>
`))

func pageResult(status int, pg page) *result {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, pg); err != nil {
		b.Reset()
		b.WriteString("<!doctype html><title>Error</title><p>The page could not be rendered.</p>")
		status = http.StatusInternalServerError
	}
	return &result{status: status, body: b.Bytes(), ctype: "text/html; charset=utf-8"}
}

// pageFor renders a session as its page shows it now.
func (p *Provider) pageFor(s *checkoutSession, status int, errMsg, code string) *result {
	pg := page{Title: "Pay", Session: s.id, Status: s.status, PayStatus: s.paymentStatus, Error: errMsg, Code: code,
		Total: formatAmount(s.amountTotal, s.currency), CancelURL: s.cancelURL}
	for _, li := range s.items {
		pg.Items = append(pg.Items, pageItem{Name: li.price.product.name, Quantity: li.quantity,
			Amount: formatAmount(li.price.unitAmount*li.quantity, li.price.currency)})
	}
	switch {
	case s.status == sessionExpired:
		pg.Title, pg.Message, pg.CancelURL = "Session expired", "This Checkout Session has expired.", ""
		status = http.StatusGone
	case s.status == sessionComplete:
		pg.Title, pg.Message, pg.CancelURL, pg.Success = "Payment received", "Thank you: this Checkout Session is complete.", "", successURL(s)
		if s.paymentStatus == "unpaid" {
			pg.Message = "Thank you: your payment is being processed."
		}
	case s.pi != nil && s.pi.status == statusRequiresAction:
		pg.Title, pg.Challenge, pg.Authenticate = "Authenticate your payment", true, hostedPrefix+s.id+"/authenticate"
	default:
		pg.Pay = hostedPrefix + s.id
	}
	return pageResult(status, pg)
}

// successURL is the session's success_url with {CHECKOUT_SESSION_ID}
// filled in, as Stripe does.
func successURL(s *checkoutSession) string {
	return strings.ReplaceAll(s.successURL, "{CHECKOUT_SESSION_ID}", s.id)
}

// afterPaymentLocked is the answer once the customer's step is done: a
// redirect when the session completed, the page otherwise.
func (p *Provider) afterPaymentLocked(s *checkoutSession, status int, errMsg, code string) *result {
	if s.status == sessionComplete {
		return &result{status: http.StatusSeeOther, location: successURL(s), ctype: "text/html; charset=utf-8",
			body: []byte(`<!doctype html><title>Redirecting</title><a href="` + template.HTMLEscapeString(successURL(s)) + `">Continue</a>`)}
	}
	return p.pageFor(s, status, errMsg, code)
}

// withSession runs fn on the session of the page, under the lock,
// expiring the session first when its time has come.
func (p *Provider) withSession(c *call, fn func(*checkoutSession) *result) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sessionLocked(c.id)
	if s == nil {
		return notFoundPage()
	}
	if s.status == sessionOpen && s.expiresAt <= p.nowFor(c).Unix() {
		p.expireSessionLocked(c, s)
	}
	return fn(s)
}

func notFoundPage() *result {
	return pageResult(http.StatusNotFound, page{Title: "Not found", Message: "There is no such Checkout Session."})
}

func (p *Provider) hostedPage(c *call) *result {
	return p.withSession(c, func(s *checkoutSession) *result { return p.pageFor(s, http.StatusOK, "", "") })
}

func (p *Provider) hostedSubmit(c *call) *result {
	cardIn, _, e := c.f.strParam("card")
	if e != nil {
		return pageResult(e.status, page{Title: "Bad request", Error: e.message})
	}
	email, _, e := c.f.strParam("email")
	if e != nil {
		return pageResult(e.status, page{Title: "Bad request", Error: e.message})
	}
	return p.withSession(c, func(s *checkoutSession) *result { return p.payLocked(c, s, cardIn, email) })
}

// payLocked pays s with the card the customer gave.
func (p *Provider) payLocked(c *call, s *checkoutSession, cardIn, email string) *result {
	if s.status != sessionOpen {
		return p.afterPaymentLocked(s, http.StatusOK, "", "")
	}
	if s.amountTotal == 0 {
		if email != "" {
			s.email = email
		}
		s.status, s.paymentStatus = sessionComplete, "no_payment_required"
		p.emitSessionLocked(c, "checkout.session.completed", s)
		return p.afterPaymentLocked(s, http.StatusOK, "", "")
	}
	if strings.TrimSpace(cardIn) == "" {
		return p.pageFor(s, http.StatusBadRequest, "Your card number is incomplete.", "incomplete_number")
	}
	card := testCardFor(strings.TrimSpace(cardIn))
	if card == nil {
		return p.pageFor(s, http.StatusPaymentRequired, "Your card number is incorrect.", "incorrect_number")
	}
	if len(email) > 512 {
		return p.pageFor(s, http.StatusBadRequest, "Your email address is invalid.", "email_invalid")
	}
	if email != "" {
		s.email = email
	}
	pi := p.startSessionPILocked(c, s)
	if pi.status == statusCanceled {
		// The service canceled the session's PaymentIntent: the customer
		// pays with a new one.
		delete(p.st.fl.sessByPI, pi)
		s.pi = nil
		pi = p.startSessionPILocked(c, s)
	}
	switch pi.status {
	case statusRequiresPaymentMethod, statusRequiresConfirmation, statusRequiresAction:
	default:
		// Paid or processing already: the session has moved on with it.
		return p.afterPaymentLocked(s, http.StatusConflict, "This payment is already being processed.", "payment_intent_unexpected_state")
	}
	pi.paymentMethod = card.id
	pi.status = statusRequiresConfirmation
	pi.nextAction, pi.pending, pi.pendingDecline = actionNone, nil, ""
	if e := p.confirmLocked(c, pi, confirmOpts{returnURL: s.url}); e != nil {
		return p.pageFor(s, e.status, e.message, e.code)
	}
	return p.afterPaymentLocked(s, http.StatusOK, "", "")
}

func (p *Provider) hostedAuth(c *call) *result {
	res, ok, e := c.f.enumParam("result", "complete", "fail")
	if e == nil && !ok {
		e = missingParam("result")
	}
	if e != nil {
		return pageResult(e.status, page{Title: "Bad request", Error: e.message})
	}
	return p.withSession(c, func(s *checkoutSession) *result { return p.authLocked(s, res != "fail") })
}

// authLocked completes (ok) or fails the 3-D Secure step of s's payment.
func (p *Provider) authLocked(s *checkoutSession, ok bool) *result {
	if s.status != sessionOpen || s.pi == nil || s.pi.status != statusRequiresAction {
		return p.afterPaymentLocked(s, http.StatusConflict, "There is no payment waiting for authentication.", "payment_intent_unexpected_state")
	}
	if err := p.authenticateLocked(s.pi, ok); err != nil {
		return p.pageFor(s, http.StatusConflict, err.Error(), "payment_intent_unexpected_state")
	}
	if le := s.pi.lastError; s.status == sessionOpen && le != nil {
		return p.pageFor(s, http.StatusPaymentRequired, le.message, le.code)
	}
	return p.afterPaymentLocked(s, http.StatusOK, "", "")
}
