package fakeprovider

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Provider is a stateful fake of Stripe's v1 API (PaymentIntents,
// Charges, Refunds, Events) with signed webhooks and injectable faults.
// It is an http.Handler: serve it with httptest, Serve or ListenAndServe.
// Requests under /_paychaos/ are the control API; everything else is the
// Stripe-compatible API.
type Provider struct {
	cfg   config
	log   *slog.Logger
	clock clock
	ids   idGen
	sched *scheduler
	hooks *dispatcher

	// nfaults mirrors len(faults) so the hot path skips the lock when no
	// fault is installed.
	nfaults atomic.Int32

	mu        sync.Mutex // guards the fields below and everything in st
	st        *state
	faults    []*activeFault
	faultSeq  int
	endpoints []*endpoint

	closed    chan struct{}
	closeOnce sync.Once
}

var _ http.Handler = (*Provider)(nil)

// New returns a provider with an empty ledger. Call Close when done: it
// stops webhook deliveries and pending settlements.
func New(opts ...Option) *Provider {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	p := &Provider{cfg: cfg, log: cfg.logger, st: newState(0), closed: make(chan struct{})}
	p.clock.base = cfg.now
	p.clock.moved = p.expireDueSessions
	p.ids.seed = mix64(cfg.seed ^ 0x6a09e667f3bcc908)
	p.sched = newScheduler()
	p.hooks = newDispatcher(p)
	for _, w := range cfg.webhooks {
		p.endpoints = append(p.endpoints, &endpoint{url: w.url, secret: w.secret})
	}
	return p
}

// Close stops webhook delivery and releases hanging requests. It is safe
// to call more than once.
func (p *Provider) Close() error {
	p.closeOnce.Do(func() {
		close(p.closed)
		p.hooks.stop()
		p.sched.stop()
	})
	return nil
}

// ServeHTTP serves the API and the control API.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		p.serveControl(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, hostedPrefix) {
		p.serveHosted(w, r)
		return
	}
	p.serveAPI(w, r)
}

// call is one API request on its way through the pipeline.
type call struct {
	r       *http.Request
	route   routeID
	id      string
	f       *form
	reqID   string
	idemKey string
	now     time.Time // the provider's time for this request, read once
	// lastSnap is the snapshot of lastSnapOf taken by the call's last
	// PaymentIntent event; the state machine emits that event after its
	// last change, so it is the PaymentIntent the answer shows.
	lastSnap, lastSnapOf *paymentIntent
	// waits are deliveries the answer must wait for (webhook_early).
	waits   []chan struct{}
	waitMax time.Duration
	// publishable: the request came with the publishable key; keyInForm:
	// it has no Authorization header and may carry the key as key=pk_…,
	// as Stripe.js sends it.
	publishable, keyInForm bool
}

// result is an endpoint's answer.
type result struct {
	status int
	body   []byte
	// snap, when body is nil, is an immutable PaymentIntent snapshot the
	// answer is rendered from: the idempotency store keeps the pointer,
	// not a copy of the bytes.
	snap       *paymentIntent
	save       bool   // kept under the idempotency key
	ctype      string // Content-Type when not JSON
	retryAfter string // Retry-After header (429s), in seconds
	location   string // Location header (the hosted page's redirects)
}

// renderPool holds buffers answers are rendered into when nothing keeps
// the bytes.
var renderPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// nowFor is the provider's time for c (read once per request), or the
// current time when c is nil.
func (p *Provider) nowFor(c *call) time.Time {
	if c == nil {
		return p.clock.now()
	}
	if c.now.IsZero() {
		c.now = p.clock.now()
	}
	return c.now
}

func okResult(body []byte) *result { return &result{status: http.StatusOK, body: body, save: true} }

func (p *Provider) errResult(c *call, e *apiError) *result {
	return &result{status: e.status, body: p.renderError(e, c.reqID), save: e.save}
}

var (
	hdrJSON = []string{"application/json"}
	hdrTrue = []string{"true"}
)

func (p *Provider) serveAPI(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r, reqID: p.ids.short("req_")}
	h := w.Header()
	h["Request-Id"] = []string{c.reqID}
	if v := r.Header["Stripe-Version"]; len(v) == 1 && len(v[0]) < 64 {
		h["Stripe-Version"] = v
	}
	c.route, c.id = matchRoute(r.Method, r.URL.Path)
	pre := p.admit(c)
	if pre.away != nil {
		p.actAway(w, c, pre.away)
		return
	}
	if e := p.authorize(r, c); e != nil {
		h["Www-Authenticate"] = []string{`Basic realm="Stripe"`}
		p.write(w, c, p.errResult(c, e), postFaults{})
		return
	}
	if c.route == routeNone {
		p.write(w, c, p.errResult(c, unknownRoute(r.Method, r.URL.Path)), postFaults{})
		return
	}
	f, e := p.decode(r, c.route)
	if e != nil {
		p.write(w, c, p.errResult(c, e), postFaults{})
		return
	}
	c.f = f
	defer putForm(f)
	if e := p.prepareCall(c); e != nil {
		p.write(w, c, p.errResult(c, e), postFaults{})
		return
	}
	if pre.err != nil && !(pre.err.f.Kind == FaultHTTPError && pre.err.f.Mode == ModeSaved) {
		p.write(w, c, p.faultError(c, pre.err), postFaults{})
		return
	}

	var own *idemEntry
	defer func() {
		// A handler that panicked must not leave its key in flight forever.
		if own != nil && own.inflight {
			p.mu.Lock()
			if p.st.idem[c.idemKey] == own {
				delete(p.st.idem, c.idemKey)
			}
			p.mu.Unlock()
		}
	}()
	if r.Method == http.MethodPost {
		if v := r.Header["Idempotency-Key"]; len(v) > 0 {
			c.idemKey = strings.TrimSpace(v[0])
		}
	}
	if c.idemKey != "" {
		h["Idempotency-Key"] = []string{c.idemKey}
		var replay *idemEntry
		own, replay, e = p.claim(c)
		if e != nil {
			p.write(w, c, p.errResult(c, e), postFaults{})
			return
		}
		if replay != nil {
			h["Idempotent-Replayed"] = hdrTrue
			h["Original-Request"] = []string{replay.reqID}
			p.respond(w, c, &result{status: replay.status, body: replay.body, snap: replay.snap})
			return
		}
	}
	if pre.delay > 0 {
		p.sleep(r.Context(), pre.delay)
	}
	var res *result
	if pre.err != nil {
		res = p.faultError(c, pre.err)
		res.save = true
	} else {
		res = routes[c.route].handle(p, c)
	}
	if own != nil {
		p.settle(c, own, res)
	}
	p.respond(w, c, res)
}

// admit counts the request and asks the faults what happens before its
// endpoint runs.
func (p *Provider) admit(c *call) (pre preFaults) {
	p.mu.Lock()
	if c.route == routeNone {
		p.st.unknownRoutes++
	} else {
		p.st.requests[c.route]++
	}
	if p.nfaults.Load() > 0 {
		pre = p.preFaultsLocked(c.route)
	}
	p.mu.Unlock()
	return pre
}

// respond applies the post-commit faults to an answer and writes it.
func (p *Provider) respond(w http.ResponseWriter, c *call, res *result) {
	var post postFaults
	if p.nfaults.Load() > 0 {
		p.mu.Lock()
		post = p.postFaultsLocked(c.route, res.status)
		p.mu.Unlock()
	}
	if len(c.waits) > 0 {
		p.waitDeliveries(c)
	}
	if a := post.commit; a != nil {
		switch a.f.Mode {
		case ModeDrop:
			p.log.LogAttrs(c.r.Context(), slog.LevelDebug, "fault: commit then drop", slog.String("request", c.reqID))
			abortConn(w)
			return
		case ModeHang:
			p.log.LogAttrs(c.r.Context(), slog.LevelDebug, "fault: commit then hang", slog.String("request", c.reqID))
			p.hang(c.r.Context(), a.f.Delay)
			abortConn(w)
			return
		default:
			p.write(w, c, p.faultError(c, a), postFaults{})
			return
		}
	}
	p.write(w, c, res, post)
}

// write sends res, changed by the body faults in post.
func (p *Provider) write(w http.ResponseWriter, c *call, res *result, post postFaults) {
	h := w.Header()
	body := res.body
	if body == nil && res.snap != nil {
		bp := renderPool.Get().(*[]byte)
		body = p.appendPI((*bp)[:0], res.snap, 0)
		defer func() {
			if cap(body) <= 1<<16 {
				*bp = body[:0]
				renderPool.Put(bp)
			}
		}()
	}
	if post.body != nil {
		if post.body.f.Kind == FaultTruncatedJSON {
			body = body[:len(body)/2]
		} else {
			body = malformed(body)
		}
	}
	switch {
	case post.contentType:
		h["Content-Type"] = []string{"text/html; charset=utf-8"}
	case res.ctype != "":
		h["Content-Type"] = []string{res.ctype}
	default:
		h["Content-Type"] = hdrJSON
	}
	if post.shouldRetry {
		h["Stripe-Should-Retry"] = hdrTrue
	}
	if res.retryAfter != "" {
		h["Retry-After"] = []string{res.retryAfter}
	}
	if res.location != "" {
		h["Location"] = []string{res.location}
	}
	if len(body) > 2048 {
		// Smaller answers get their Content-Length from net/http, which
		// buffers them whole; larger ones would be chunked otherwise.
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(body)
}

// malformed returns a body that is not JSON: an extra comma after the
// opening brace, the rest intact.
func malformed(b []byte) []byte {
	out := make([]byte, 0, len(b)+1)
	if len(b) > 0 && b[0] == '{' {
		out = append(out, '{', ',')
		return append(out, b[1:]...)
	}
	out = append(out, "{,"...)
	return append(out, b...)
}

// faultError renders the answer of an error fault.
func (p *Provider) faultError(c *call, a *activeFault) *result {
	status := a.f.Status
	var e *apiError
	switch a.f.Kind {
	case FaultRateLimit:
		e = &apiError{status: http.StatusTooManyRequests, typ: errInvalidRequest, code: "rate_limit", message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."}
	case FaultLockTimeout:
		e = &apiError{status: http.StatusTooManyRequests, typ: errInvalidRequest, code: "lock_timeout", message: lockTimeoutMsg}
	case FaultIdempotencyConflict:
		e = inFlightError(c.idemKey)
	default:
		if status == 0 {
			status = http.StatusInternalServerError
		}
		switch status {
		case http.StatusTooManyRequests:
			e = &apiError{status: status, typ: errInvalidRequest, code: "rate_limit", message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."}
		case http.StatusConflict:
			e = inFlightError(c.idemKey)
		default:
			typ := errAPI
			if status < 500 {
				typ = errInvalidRequest
			}
			e = &apiError{status: status, typ: typ, message: "An unknown error occurred while processing your request. (" + strconv.Itoa(status) + " from the payment provider)"}
		}
	}
	if status == 0 {
		status = e.status
	}
	var res *result
	switch a.f.Body {
	case BodyHTML:
		page := strconv.Itoa(status) + " " + http.StatusText(status)
		res = &result{status: status, ctype: "text/html; charset=utf-8",
			body: []byte("<html><head><title>" + page + "</title></head><body><center><h1>" + page + "</h1></center></body></html>\n")}
	case BodyEmpty:
		res = &result{status: status, ctype: "text/plain; charset=utf-8", body: []byte{}}
	default:
		e.status = status
		res = p.errResult(c, e)
	}
	if status == http.StatusTooManyRequests {
		// stripe-go ignores Retry-After; other clients honour it.
		secs := int64(1)
		if a.f.Delay >= time.Second {
			secs = int64(a.f.Delay / time.Second)
		}
		res.retryAfter = strconv.FormatInt(secs, 10)
	}
	return res
}

const lockTimeoutMsg = "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate."

// actAway answers for a provider that is gone: no answer at all, or the
// fault's status and body.
func (p *Provider) actAway(w http.ResponseWriter, c *call, a *activeFault) {
	if a.f.Status == 0 {
		abortConn(w)
		return
	}
	res := p.faultError(c, a)
	p.write(w, c, res, postFaults{})
}

// abortConn closes the client's connection without an answer.
func abortConn(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// sleep waits for d unless the provider closes first. A client that gives
// up does not stop it: the server keeps working, as a real one would.
func (p *Provider) sleep(_ context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.closed:
	}
}

// hang holds a request for d (0: until the client gives up) or until the
// provider closes.
func (p *Provider) hang(ctx context.Context, d time.Duration) {
	var tc <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-tc:
	case <-ctx.Done():
	case <-p.closed:
	}
}
