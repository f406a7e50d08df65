package fakeprovider

import (
	"fmt"
	"net/http"
	"time"
)

// maxIdempotencyKey is Stripe's limit on key length.
const maxIdempotencyKey = 255

// claim looks the call's idempotency key up, following Stripe: a new key
// is claimed (own != nil) and the caller runs the endpoint; a finished
// key with the same endpoint and parameters is replayed; a key still in
// flight is a 409; a key used with another endpoint or other parameters
// is a 400 idempotency_error. Keys are account-wide, not per endpoint.
func (p *Provider) claim(c *call) (own, replay *idemEntry, e *apiError) {
	key := c.idemKey
	if len(key) > maxIdempotencyKey {
		return nil, nil, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: "Idempotency-Key",
			message: fmt.Sprintf("Idempotency-Key must be at most %d characters long.", maxIdempotencyKey)}
	}
	path := c.r.URL.Path
	fp := c.f.fingerprint(c.r.Method, "")
	now := p.nowFor(c)
	p.mu.Lock()
	defer p.mu.Unlock()
	ent := p.st.idem[key]
	if ent != nil && !ent.inflight && now.Sub(ent.created) >= p.cfg.idemTTL {
		delete(p.st.idem, key)
		ent = nil
	}
	switch {
	case ent == nil:
		if p.nfaults.Load() > 0 {
			p.amnesiaHitLocked(key)
		}
		ent = p.st.idemEnts.new()
		*ent = idemEntry{method: c.r.Method, path: path, fp: fp, inflight: true, created: now}
		p.st.idem[key] = ent
		p.st.idemQueue = append(p.st.idemQueue, idemRef{key: key, ent: ent})
		p.pruneIdemLocked(now)
		return ent, nil, nil
	case ent.inflight:
		return nil, nil, inFlightError(key)
	case ent.method != c.r.Method || ent.path != path:
		return nil, nil, &apiError{status: http.StatusBadRequest, typ: errIdempotency,
			message: fmt.Sprintf("Keys for idempotent requests can only be used for the same endpoint they were first used for ('%s' vs '%s'). Try using a key other than '%s' if you meant to execute a different request.", ent.path, truncateForMsg(path), truncateForMsg(key))}
	case ent.fp != fp:
		return nil, nil, &apiError{status: http.StatusBadRequest, typ: errIdempotency,
			message: fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.", truncateForMsg(key))}
	}
	return nil, ent, nil
}

// settle stores the endpoint's answer under the claimed key, or releases
// the key when the answer is not one Stripe saves (validation failures).
func (p *Provider) settle(c *call, own *idemEntry, res *result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !res.save {
		if p.st.idem[c.idemKey] == own {
			delete(p.st.idem, c.idemKey)
		}
		return
	}
	own.status, own.body, own.snap, own.reqID, own.inflight = res.status, res.body, res.snap, c.reqID, false
}

func inFlightError(key string) *apiError {
	return &apiError{status: http.StatusConflict, typ: errInvalidRequest, code: "idempotency_key_in_use",
		message: fmt.Sprintf("There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): %s. Please try again later.", truncateForMsg(key))}
}

// idemRef remembers the order keys were first seen, so expired keys are
// dropped from the front without scanning the whole store.
type idemRef struct {
	key string
	ent *idemEntry
}

// pruneIdemLocked forgets keys older than the TTL.
func (p *Provider) pruneIdemLocked(now time.Time) {
	q := p.st.idemQueue
	i := 0
	for i < len(q) && now.Sub(q[i].ent.created) >= p.cfg.idemTTL {
		if cur := p.st.idem[q[i].key]; cur == q[i].ent && !cur.inflight {
			delete(p.st.idem, q[i].key)
		}
		i++
	}
	if i > 0 {
		q = q[i:]
		if cap(q) > 1024 && len(q) < cap(q)/4 {
			q = append([]idemRef(nil), q...)
		}
		p.st.idemQueue = q
	}
}
