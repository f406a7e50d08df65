package fakeprovider

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// endpoint is a webhook destination. Its fields do not change once added.
type endpoint struct {
	url    string
	secret string
	// apiVersion is stamped on the events it receives ("": the
	// provider's, see WithAPIVersion).
	apiVersion string
}

// WebhookEndpoint describes a webhook destination.
type WebhookEndpoint struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
	// APIVersion is the api_version of the events it receives, as a
	// Stripe endpoint's pinned version: "2023-10-16" for a service built
	// on stripe-go v76, "2026-02-25.clover" for v84. Empty means the
	// provider's (DefaultAPIVersion unless WithAPIVersion says otherwise).
	APIVersion string `json:"api_version,omitempty"`
}

// ValidAPIVersion accepts Stripe's version names: a date, and since
// 2024-09-30 a release train after a dot (2026-02-25.clover).
func ValidAPIVersion(v string) bool {
	date, train, hasTrain := strings.Cut(v, ".")
	if len(date) != 10 || date[4] != '-' || date[7] != '-' || hasTrain && train == "" || len(train) > 20 {
		return false
	}
	for i := 0; i < len(date); i++ {
		if i != 4 && i != 7 && (date[i] < '0' || date[i] > '9') {
			return false
		}
	}
	for i := 0; i < len(train); i++ {
		if train[i] < 'a' || train[i] > 'z' {
			return false
		}
	}
	return true
}

// AddWebhook adds an endpoint that receives every later event, signed
// with its secret and stamped with its API version.
func (p *Provider) AddWebhook(_ context.Context, we WebhookEndpoint) error {
	u, err := url.Parse(we.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("add webhook endpoint: %q is not an absolute http(s) URL", we.URL)
	}
	if we.Secret == "" {
		return fmt.Errorf("add webhook endpoint %s: empty signing secret", we.URL)
	}
	if we.APIVersion != "" && !ValidAPIVersion(we.APIVersion) {
		return fmt.Errorf("add webhook endpoint %s: api_version %q is not a Stripe API version (2023-10-16 or 2026-02-25.clover)", we.URL, truncateForMsg(we.APIVersion))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ep := range p.endpoints {
		if ep.url == we.URL {
			return fmt.Errorf("add webhook endpoint %s: already configured", we.URL)
		}
	}
	eps := make([]*endpoint, len(p.endpoints), len(p.endpoints)+1)
	copy(eps, p.endpoints)
	p.endpoints = append(eps, &endpoint{url: we.URL, secret: we.Secret, apiVersion: we.APIVersion})
	return nil
}

// job is one event on its way to one endpoint.
type job struct {
	ep      *endpoint
	ev      *event
	evID    string
	body    []byte
	attempt int
	gen     uint64
	// Changes webhook faults made.
	secret  string        // signing secret ("" = the endpoint's)
	age     time.Duration // how old the signature's timestamp is
	faults  string        // names of the faults that acted, for the log
	done    chan struct{} // closed after the first attempt (webhook_early)
	held    bool          // held back by webhook_reorder
	holdFor time.Duration
}

// dispatcher delivers events to webhook endpoints: a small worker pool
// fed by a ready queue, with delays and retries scheduled on the
// provider's scheduler.
type dispatcher struct {
	p      *Provider
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	cond    *sync.Cond
	ready   []*job
	held    map[*endpoint][]*job
	gen     uint64
	started bool
	stopped bool
	wg      sync.WaitGroup
}

func newDispatcher(p *Provider) *dispatcher {
	d := &dispatcher{p: p, held: make(map[*endpoint][]*job)}
	d.cond = sync.NewCond(&d.mu)
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.client = p.cfg.hookClient
	if d.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		d.client = &http.Client{Timeout: p.cfg.hookTimeout, Transport: tr}
	}
	return d
}

// startLocked starts the workers on first use (d.mu held).
func (d *dispatcher) startLocked() {
	if d.started || d.stopped {
		return
	}
	d.started = true
	n := max(d.p.cfg.hookWorkers, 1)
	d.wg.Add(n)
	for range n {
		go d.worker()
	}
}

// enqueueLocked plans the delivery of ev to every endpoint, applying the
// webhook faults. Called with Provider.mu held.
func (p *Provider) enqueueHooksLocked(c *call, ev *event) {
	d := p.hooks
	var body []byte
	evID := p.eventID(ev)
	for _, ep := range p.endpoints {
		if body == nil {
			body = p.renderEventLocked(ev)
		}
		j := &job{ep: ep, ev: ev, evID: evID, body: body, attempt: 1}
		if ep.apiVersion != "" && ep.apiVersion != p.cfg.apiVersion {
			j.body = p.appendEventLocked(nil, ev, ep.apiVersion)
		}
		var delay time.Duration
		copies := 1
		var names []string
		if p.nfaults.Load() > 0 {
			for _, a := range p.faults {
				if !isWebhookKind(a.f.Kind) || a.f.Endpoint != "" && a.f.Endpoint != ep.url || a.f.EventType != "" && a.f.EventType != ev.typ {
					continue
				}
				if !a.fireLocked() {
					continue
				}
				names = append(names, string(a.f.Kind))
				switch a.f.Kind {
				case FaultWebhookDrop:
					copies = 0
				case FaultWebhookDuplicate:
					copies = 2
				case FaultWebhookDelay:
					delay = a.jitteredLocked(a.f.Delay)
				case FaultWebhookReorder:
					j.held = true
					j.holdFor = a.f.Delay
					if j.holdFor == 0 {
						j.holdFor = 2 * time.Second
					}
				case FaultWebhookBadSignature:
					j.secret = "whsec_paychaos_forged_" + strconv.FormatUint(mix64(uint64(ev.seq)^p.ids.seed), 36)
				case FaultWebhookStale:
					j.age = a.f.Delay
					if j.age == 0 {
						j.age = 10 * time.Minute
					}
				case FaultWebhookAPIVersion:
					j.body = p.appendEventLocked(nil, ev, "2025-03-31.basil")
				case FaultWebhookEarly:
					if c != nil {
						j.done = make(chan struct{})
						c.waits = append(c.waits, j.done)
						c.waitMax = max(c.waitMax, a.f.Delay)
					}
				}
			}
		}
		j.faults = strings.Join(names, ",")
		if copies == 0 {
			p.st.deliveries = append(p.st.deliveries, Delivery{EventID: evID, Endpoint: ep.url, Attempt: 0,
				Error: "dropped by fault", Fault: j.faults, At: p.clock.now()})
			if j.done != nil {
				close(j.done)
			}
			continue
		}
		for i := 0; i < copies; i++ {
			jj := j
			if i > 0 {
				cp := *j
				cp.done = nil
				jj = &cp
			}
			d.submit(jj, delay)
		}
	}
}

// submit queues j now or after delay.
func (d *dispatcher) submit(j *job, delay time.Duration) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		if j.done != nil {
			close(j.done)
		}
		return
	}
	j.gen = d.gen
	d.startLocked()
	if delay <= 0 && !j.held {
		d.ready = append(d.ready, j)
		d.cond.Signal()
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	if j.held {
		d.hold(j, delay)
		return
	}
	d.p.sched.after(delay, func() { d.push(j) })
}

// hold parks a reordered job until the next delivery to its endpoint, or
// until its hold time runs out.
func (d *dispatcher) hold(j *job, delay time.Duration) {
	d.mu.Lock()
	d.held[j.ep] = append(d.held[j.ep], j)
	d.mu.Unlock()
	d.p.sched.after(delay+j.holdFor, func() { d.release(j.ep, j) })
}

// release moves held jobs of ep (only j, when j is not nil) to the ready
// queue.
func (d *dispatcher) release(ep *endpoint, only *job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	hs := d.held[ep]
	kept := hs[:0]
	for _, h := range hs {
		if only == nil || h == only {
			h.held = false
			d.ready = append(d.ready, h)
			d.cond.Signal()
		} else {
			kept = append(kept, h)
		}
	}
	if len(kept) == 0 {
		delete(d.held, ep)
	} else {
		d.held[ep] = kept
	}
}

func (d *dispatcher) push(j *job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	d.ready = append(d.ready, j)
	d.cond.Signal()
}

func (d *dispatcher) worker() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		for len(d.ready) == 0 && !d.stopped {
			d.cond.Wait()
		}
		if d.stopped {
			d.mu.Unlock()
			return
		}
		j := d.ready[0]
		d.ready[0] = nil
		d.ready = d.ready[1:]
		stale := j.gen != d.gen
		if stale && j.done != nil {
			close(j.done)
			j.done = nil
		}
		d.mu.Unlock()
		if stale {
			continue
		}
		d.deliver(j)
	}
}

// Sign returns a Stripe-Signature header value for payload: t=<unix>,
// v1=<hex HMAC-SHA256 of "t.payload" keyed with the whole secret>.
func Sign(payload []byte, secret string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// awayLocked reports whether an away fault covering the whole API is
// installed: a provider that is gone sends no webhooks either.
func (p *Provider) awayLocked() bool {
	for _, a := range p.faults {
		if a.f.Kind == FaultAway && a.f.Endpoint == "" && (a.f.Count == 0 || a.hits < a.f.Count) {
			return true
		}
	}
	return false
}

// awayPoll is how often a delivery held back by an away provider checks
// whether the provider is back.
const awayPoll = 50 * time.Millisecond

// deliver makes one attempt and schedules a retry on failure.
func (d *dispatcher) deliver(j *job) {
	p := d.p
	if p.nfaults.Load() > 0 {
		p.mu.Lock()
		away := p.awayLocked()
		p.mu.Unlock()
		if away {
			p.sched.after(awayPoll, func() { d.push(j) })
			return
		}
	}
	secret := j.ep.secret
	if j.secret != "" {
		secret = j.secret
	}
	at := p.clock.now()
	sig := Sign(j.body, secret, at.Add(-j.age))
	status, errText := 0, ""
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, j.ep.url, bytes.NewReader(j.body))
	if err == nil {
		req.Header["Content-Type"] = []string{"application/json; charset=utf-8"}
		req.Header["User-Agent"] = []string{"Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
		req.Header["Cache-Control"] = []string{"no-cache"}
		req.Header["Accept"] = []string{"*/*; q=0.5, application/xml"}
		req.Header["Stripe-Signature"] = []string{sig}
		var resp *http.Response
		resp, err = d.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			_ = resp.Body.Close()
			status = resp.StatusCode
		}
	}
	if err != nil {
		errText = err.Error()
	}
	ok := err == nil && status >= 200 && status < 300
	p.mu.Lock()
	d.mu.Lock()
	current := j.gen == d.gen
	if j.done != nil {
		close(j.done)
		j.done = nil
	}
	d.mu.Unlock()
	if current {
		p.st.deliveries = append(p.st.deliveries, Delivery{EventID: j.evID, Endpoint: j.ep.url, Attempt: j.attempt,
			Status: status, Error: errText, Fault: j.faults, At: at})
		if ok {
			j.ev.delivered++
		}
	}
	p.mu.Unlock()
	if !ok {
		p.log.LogAttrs(d.ctx, slog.LevelDebug, "webhook delivery failed", slog.String("event", j.evID),
			slog.String("endpoint", j.ep.url), slog.Int("attempt", j.attempt), slog.Int("status", status), slog.String("error", errText))
	}
	// The next delivery to this endpoint releases events held back by
	// webhook_reorder.
	d.release(j.ep, nil)
	if !ok && current && j.attempt < p.cfg.hookAttempts && d.ctx.Err() == nil {
		next := *j
		next.attempt++
		backoff := p.cfg.hookBackoff << (j.attempt - 1)
		p.sched.after(backoff, func() { d.push(&next) })
	}
}

// waitDeliveries holds an answer until the deliveries webhook_early asked
// for have been attempted, or until its wait bound.
func (p *Provider) waitDeliveries(c *call) {
	maxWait := c.waitMax
	if maxWait == 0 {
		maxWait = 5 * time.Second
	}
	t := time.NewTimer(maxWait)
	defer t.Stop()
	for _, ch := range c.waits {
		select {
		case <-ch:
		case <-t.C:
			return
		case <-p.closed:
			return
		}
	}
}

// dropQueuedLocked forgets queued and held jobs, releasing any answer
// waiting on them (d.mu held).
func (d *dispatcher) dropQueuedLocked() {
	for _, j := range d.ready {
		if j.done != nil {
			close(j.done)
			j.done = nil
		}
	}
	for _, hs := range d.held {
		for _, j := range hs {
			if j.done != nil {
				close(j.done)
				j.done = nil
			}
		}
	}
	d.ready = nil
	d.held = make(map[*endpoint][]*job)
}

// reset drops every queued and held delivery; deliveries in flight are
// not logged.
func (d *dispatcher) reset() {
	d.mu.Lock()
	d.gen++
	d.dropQueuedLocked()
	d.mu.Unlock()
}

// stop cancels deliveries in flight and waits for the workers.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	d.dropQueuedLocked()
	d.cond.Broadcast()
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
	if tr, ok := d.client.Transport.(interface{ CloseIdleConnections() }); ok && d.p.cfg.hookClient == nil {
		tr.CloseIdleConnections()
	}
}
