package fakeprovider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"
)

// activeFault is a configured fault with its counter and random source.
// Guarded by Provider.mu.
type activeFault struct {
	f     Fault
	route routeID // the Endpoint's route for API kinds; routeNone: any
	hits  int64
	rng   *rand.Rand
	// forgotten holds the keys an amnesia fault dropped.
	forgotten map[string]struct{}
}

// fireLocked decides whether the fault acts now, and counts it if so.
func (a *activeFault) fireLocked() bool {
	if a.f.Count > 0 && a.hits >= a.f.Count {
		return false
	}
	if a.f.Rate > 0 && a.f.Rate < 1 && a.rng.Float64() >= a.f.Rate {
		return false
	}
	a.hits++
	return true
}

// matchesRoute reports whether an API fault applies to rt.
func (a *activeFault) matchesRoute(rt routeID) bool {
	if rt == routeNone {
		return a.f.Kind == FaultAway && a.f.Endpoint == ""
	}
	return a.f.Endpoint == "" || a.route == rt
}

// jitteredLocked returns d moved by up to ±jitter.
func (a *activeFault) jitteredLocked(d time.Duration) time.Duration {
	if a.f.Jitter > 0 {
		d += time.Duration(a.rng.Int64N(int64(2*a.f.Jitter)+1)) - a.f.Jitter
	}
	return max(d, 0)
}

func isWebhookKind(k FaultKind) bool {
	switch k {
	case FaultWebhookDrop, FaultWebhookDuplicate, FaultWebhookDelay, FaultWebhookReorder,
		FaultWebhookBadSignature, FaultWebhookStale, FaultWebhookEarly, FaultWebhookAPIVersion:
		return true
	}
	return false
}

// MaxFaultDuration bounds a fault's Delay, Jitter and Window: a day is
// longer than any scenario and than Stripe keeps an idempotency key, and
// what lies beyond it (9223372036854775807 ns) is a mistake, not a fault
// anyone can wait for.
const MaxFaultDuration = 24 * time.Hour

// maxFaultText bounds a fault's ID, Endpoint and EventType.
const maxFaultText = 512

// validateFault checks a fault before it is installed, so a typo in a
// scenario is an error, not a fault that silently never fires.
func validateFault(f *Fault) error {
	known := false
	for _, k := range FaultKinds() {
		if f.Kind == k {
			known = true
		}
	}
	if !known {
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if !(f.Rate >= 0 && f.Rate <= 1) { // NaN too
		return fmt.Errorf("fault %s: rate %v outside [0, 1]", f.Kind, f.Rate)
	}
	if f.Count < 0 || f.Delay < 0 || f.Jitter < 0 || f.Window < 0 {
		return fmt.Errorf("fault %s: count, delay, jitter and window must not be negative", f.Kind)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"delay", f.Delay}, {"jitter", f.Jitter}, {"window", f.Window}} {
		if d.v > MaxFaultDuration {
			return fmt.Errorf("fault %s: %s %v over the maximum of %v", f.Kind, d.name, d.v, MaxFaultDuration)
		}
	}
	for _, t := range []struct{ name, v string }{{"id", f.ID}, {"endpoint", f.Endpoint}, {"event_type", f.EventType}} {
		if len(t.v) > maxFaultText {
			return fmt.Errorf("fault %s: %s of %d bytes, at most %d", f.Kind, t.name, len(t.v), maxFaultText)
		}
	}
	for _, c := range f.ID {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("fault %s: id %q: letters, digits, '_', '-' and '.' only (it names the fault in a URL)", f.Kind, f.ID)
		}
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("fault %s: status %d is not an error status (400-599)", f.Kind, f.Status)
	}
	switch f.Body {
	case "", BodyJSON, BodyHTML, BodyEmpty:
	default:
		return fmt.Errorf("fault %s: body %q is not json, html or empty", f.Kind, f.Body)
	}
	switch f.Kind {
	case FaultCommitThenFail:
		switch f.Mode {
		case "", ModeError, ModeDrop, ModeHang:
		default:
			return fmt.Errorf("fault %s: mode %q is not error, drop or hang", f.Kind, f.Mode)
		}
	case FaultHTTPError:
		if f.Mode != "" && f.Mode != ModeSaved {
			return fmt.Errorf("fault %s: mode %q is not saved", f.Kind, f.Mode)
		}
	default:
		if f.Mode != "" {
			return fmt.Errorf("fault %s takes no mode (got %q)", f.Kind, f.Mode)
		}
	}
	if f.DeclineCode != "" {
		if f.Kind != FaultDecline {
			return fmt.Errorf("fault %s takes no decline_code", f.Kind)
		}
		for _, c := range f.DeclineCode {
			if !('a' <= c && c <= 'z' || c == '_') {
				return fmt.Errorf("fault %s: decline_code %q must be lower case with underscores", f.Kind, f.DeclineCode)
			}
		}
	}
	if f.EventType != "" && !isWebhookKind(f.Kind) {
		return fmt.Errorf("fault %s: event_type applies to webhook faults only", f.Kind)
	}
	if !isWebhookKind(f.Kind) && f.Endpoint != "" && routeByPattern(f.Endpoint) == routeNone {
		return fmt.Errorf("fault %s: endpoint %q is not a route the provider serves (see RoutePatterns)", f.Kind, f.Endpoint)
	}
	if f.Kind == FaultAmnesia && (f.Endpoint != "" || f.Rate != 0) {
		return fmt.Errorf("fault %s acts once when added: endpoint and rate do not apply", f.Kind)
	}
	return nil
}

// AddFault installs a fault and returns its id. An invalid fault is an
// error and changes nothing.
func (p *Provider) AddFault(_ context.Context, f Fault) (string, error) {
	if err := validateFault(&f); err != nil {
		return "", fmt.Errorf("add fault: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.ID == "" {
		p.faultSeq++
		f.ID = "flt_" + strconv.Itoa(p.faultSeq)
	}
	for _, a := range p.faults {
		if a.f.ID == f.ID {
			return "", fmt.Errorf("add fault: id %q already in use", f.ID)
		}
	}
	seed := uint64(f.Seed)
	if seed == 0 {
		seed = mix64(p.cfg.seed ^ uint64(len(p.faults)+1)*0x9e3779b97f4a7c15 ^ uint64(p.faultSeq))
	}
	a := &activeFault{f: f, route: routeByPattern(f.Endpoint), rng: rand.New(rand.NewPCG(seed, seed^0xda3e39cb94b95bdb))}
	if f.Kind == FaultAmnesia {
		a.forgotten = p.forgetKeysLocked(f.Window)
	}
	faults := make([]*activeFault, len(p.faults), len(p.faults)+1)
	copy(faults, p.faults)
	p.faults = append(faults, a)
	p.nfaults.Store(int32(len(p.faults)))
	p.log.LogAttrs(context.Background(), slog.LevelInfo, "fault added", slog.String("id", f.ID), slog.String("kind", string(f.Kind)), slog.String("endpoint", f.Endpoint))
	return f.ID, nil
}

// ErrNoSuchFault is returned when removing a fault that is not installed.
var ErrNoSuchFault = errors.New("no such fault")

// RemoveFault uninstalls a fault. Its hit count is gone with it: read the
// ledger first if you need it.
func (p *Provider) RemoveFault(_ context.Context, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, a := range p.faults {
		if a.f.ID == id {
			faults := make([]*activeFault, 0, len(p.faults)-1)
			faults = append(faults, p.faults[:i]...)
			p.faults = append(faults, p.faults[i+1:]...)
			p.nfaults.Store(int32(len(p.faults)))
			p.log.LogAttrs(context.Background(), slog.LevelInfo, "fault removed", slog.String("id", id), slog.Int64("hits", a.hits))
			return nil
		}
	}
	return fmt.Errorf("remove fault %s: %w", id, ErrNoSuchFault)
}

// faultStatusLocked lists the faults with their hit counts.
func (p *Provider) faultStatusLocked() []FaultStatus {
	out := make([]FaultStatus, len(p.faults))
	for i, a := range p.faults {
		out[i] = FaultStatus{Fault: a.f, Hits: a.hits}
	}
	return out
}

// preFaults is what the faults decided before the endpoint runs.
type preFaults struct {
	away  *activeFault
	err   *activeFault // http_error, rate_limit, lock_timeout, idempotency_conflict
	delay time.Duration
}

func (p *Provider) preFaultsLocked(rt routeID) (pre preFaults) {
	for _, a := range p.faults {
		if !a.matchesRoute(rt) {
			continue
		}
		switch a.f.Kind {
		case FaultAway:
			if a.fireLocked() {
				return preFaults{away: a}
			}
		case FaultHTTPError, FaultRateLimit, FaultLockTimeout, FaultIdempotencyConflict:
			if pre.err == nil && a.fireLocked() {
				pre.err = a
			}
		case FaultSlow:
			if pre.delay == 0 && a.fireLocked() {
				pre.delay = a.jitteredLocked(a.f.Delay)
			}
		}
	}
	return pre
}

// postFaults is what the faults do to an answer after the endpoint ran.
type postFaults struct {
	commit      *activeFault
	body        *activeFault // truncated_json or malformed_json
	contentType bool
	shouldRetry bool
}

func (p *Provider) postFaultsLocked(rt routeID, status int) (post postFaults) {
	for _, a := range p.faults {
		if !a.matchesRoute(rt) {
			continue
		}
		switch a.f.Kind {
		case FaultCommitThenFail:
			if post.commit == nil && a.fireLocked() {
				post.commit = a
			}
		case FaultTruncatedJSON, FaultMalformedJSON:
			if post.body == nil && a.fireLocked() {
				post.body = a
			}
		case FaultWrongContentType:
			if !post.contentType && a.fireLocked() {
				post.contentType = true
			}
		case FaultShouldRetry:
			if status < 400 && !post.shouldRetry && a.fireLocked() {
				post.shouldRetry = true
			}
		}
	}
	return post
}

// confirmFaultLocked picks the fault, if any, that overrides a card's
// outcome on this confirmation.
func (p *Provider) confirmFaultLocked(rt routeID) *activeFault {
	if p.nfaults.Load() == 0 {
		return nil
	}
	for _, a := range p.faults {
		switch a.f.Kind {
		case FaultDecline, FaultProcessing, FaultRequiresAction:
			if a.matchesRoute(rt) && a.fireLocked() {
				return a
			}
		}
	}
	return nil
}

// forgetKeysLocked drops idempotency keys first seen within window (all
// when window is 0) and returns them.
func (p *Provider) forgetKeysLocked(window time.Duration) map[string]struct{} {
	now := p.clock.now()
	out := make(map[string]struct{})
	for k, e := range p.st.idem {
		if e.inflight {
			continue
		}
		if window == 0 || !e.created.Before(now.Add(-window)) {
			out[k] = struct{}{}
			delete(p.st.idem, k)
		}
	}
	return out
}

// amnesiaHitLocked counts a request that reused a forgotten key.
func (p *Provider) amnesiaHitLocked(key string) {
	for _, a := range p.faults {
		if a.f.Kind != FaultAmnesia {
			continue
		}
		if _, ok := a.forgotten[key]; ok {
			delete(a.forgotten, key)
			a.hits++
		}
	}
}
