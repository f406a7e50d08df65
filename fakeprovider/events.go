package fakeprovider

import (
	"strings"
)

// emitLocked records an event about an object whose JSON is obj and hands
// it to the webhook dispatcher. c is the request that caused it, or nil
// for changes the provider makes on its own (a processing payment
// settling).
func (p *Provider) emitLocked(c *call, typ, objID string, obj []byte) *event {
	now := p.clock.now()
	ev := &event{seq: len(p.st.eventOrder), id: p.ids.next("evt_"), typ: typ, objectID: objID, object: obj,
		created: now.Unix(), createdAt: now, endpoints: len(p.endpoints)}
	if c != nil {
		ev.reqID, ev.idemKey = c.reqID, c.idemKey
	}
	p.st.events[ev.id] = ev
	p.st.eventOrder = append(p.st.eventOrder, ev)
	if len(p.endpoints) > 0 {
		p.enqueueHooksLocked(c, ev)
	}
	return ev
}

// emitPILocked emits a PaymentIntent event; the rendering is kept on the
// call so the answer can reuse it.
func (p *Provider) emitPILocked(c *call, typ string, pi *paymentIntent) {
	body := p.appendPI(make([]byte, 0, 1536), pi, 0)
	p.emitLocked(c, typ, pi.id, body)
	if c != nil {
		c.lastPI, c.lastPIBody = pi, body
	}
}

func (p *Provider) emitChargeLocked(c *call, typ string, ch *charge) {
	p.emitLocked(c, typ, ch.id, p.appendCharge(make([]byte, 0, 1536), ch, 0))
}

func (p *Provider) emitRefundLocked(c *call, typ string, re *refund) {
	p.emitLocked(c, typ, re.id, p.appendRefund(make([]byte, 0, 512), re, 0))
}

func (p *Provider) renderEventLocked(ev *event) []byte {
	return appendEvent(make([]byte, 0, len(ev.object)+256), ev, p.cfg.apiVersion, ev.endpoints-ev.delivered)
}

func (p *Provider) eventRetrieve(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := p.st.events[c.id]
	if ev == nil {
		return p.errResult(c, resourceMissing("event", "id", c.id))
	}
	return okResult(p.renderEventLocked(ev))
}

func (p *Provider) eventList(c *call) *result {
	typ, _, e := c.f.strParam("type")
	if e != nil {
		return p.errResult(c, e)
	}
	types, _, e := c.f.list("types")
	if e != nil {
		return p.errResult(c, e)
	}
	if typ != "" && len(types) > 0 {
		return p.errResult(c, invalidParam("types", "You may only specify one of these parameters: type, types."))
	}
	if typ != "" {
		types = []string{typ}
	}
	ds, hasDS, e := c.f.boolParam("delivery_success")
	if e != nil {
		return p.errResult(c, e)
	}
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	match := func(ev *event) bool {
		if !lp.createdOK(ev.created) {
			return false
		}
		if hasDS {
			ok := ev.delivered == ev.endpoints
			if ok != ds || ev.endpoints == 0 {
				return false
			}
		}
		if len(types) == 0 {
			return true
		}
		for _, t := range types {
			if t == ev.typ || strings.HasSuffix(t, ".*") && strings.HasPrefix(ev.typ, t[:len(t)-1]) {
				return true
			}
		}
		return false
	}
	page, hasMore, e := listPage(p.st.eventOrder, p.st.events, lp, match, "event")
	if e != nil {
		return p.errResult(c, e)
	}
	b := appendListHead(make([]byte, 0, 4096))
	for i, ev := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEvent(b, ev, p.cfg.apiVersion, ev.endpoints-ev.delivered)
	}
	return okResult(appendListTail(b, hasMore, "/v1/events"))
}
