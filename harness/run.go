package harness

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
)

// Run takes one scenario through the pipeline. It returns an error only
// when the harness could not do its job; what the SUT did wrong is in the
// Result's verdicts.
func (e *Env) Run(ctx context.Context, s Scenario) (Result, error) {
	s = s.withDefaults()
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	rec := history.NewRecorder()
	res := Result{
		Scenario: s.Name, Seed: e.o.seed, Mode: e.stack.Mode(), Target: e.o.launcher.Name(),
		Traffic: s.Traffic.Name, Started: rec.Start(),
	}
	log := e.o.log.With("scenario", s.Name)

	// Warm up: traffic starts and runs beside everything that follows.
	e.phase(s.Name, "warm up")
	trafficCtx, stopTraffic := context.WithCancel(ctx)
	defer stopTraffic()
	runner := &traffic.Runner{
		Driver: e.sut.Driver, Recorder: rec, Customers: e.sut.Customers,
		Rand: rand.New(rand.NewPCG(uint64(e.o.seed), hash(s.Name))), Prefix: fmt.Sprintf("%s-%d-", s.Name, time.Now().UnixNano()),
	}
	trafficDone := make(chan error, 1)
	go func() { _, err := runner.Run(trafficCtx, s.Traffic); trafficDone <- err }()
	stop := func() error {
		stopTraffic()
		return <-trafficDone
	}
	reqsBefore, err := e.providerRequests(ctx)
	if err != nil {
		return res, errors.Join(err, stop())
	}
	if err := sleep(ctx, s.Warmup); err != nil {
		return res, errors.Join(err, stop())
	}

	// Inject, hold, recover. Recovery runs exactly once whatever happens
	// (an error, a panic, a cancelled run), with a context of its own.
	log.Info("inject", "fault", s.Fault.Name())
	e.phase(s.Name, "inject")
	res.Window.FaultStart = rec.Now()
	on, err := s.Fault.Inject(ctx, e.Targets())
	if err != nil {
		return res, errors.Join(fmt.Errorf("inject %s: %w", s.Fault.Name(), err), stop())
	}
	recovered := false
	recoverOnce := func() error {
		if recovered {
			return nil
		}
		recovered = true
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		return on.Recover(rctx)
	}
	defer func() { _ = recoverOnce() }()
	e.phase(s.Name, "hold")
	holdEnd := time.Now().Add(s.Hold)
	var attackErr error
	if s.Attacks != nil {
		attackErr = e.attack(ctx, rec, s, rand.New(rand.NewPCG(uint64(e.o.seed), hash(s.Name+"/attacks"))))
	}
	holdErr := errors.Join(attackErr, sleep(ctx, time.Until(holdEnd)))
	// The evidence counts requests still in flight: a fault that makes
	// every request hang has caught them all.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	during := append(opsSince(rec.Ops(), res.Window.FaultStart), opsSince(rec.InFlight(), res.Window.FaultStart)...)
	hits, hitsErr := on.Hits(hctx, during)
	cancel()
	e.phase(s.Name, "recover")
	recErr := recoverOnce()
	noFault := s.Fault.Kind() == "none"
	res.Window.FaultEnd = rec.Now()
	if noFault {
		res.Window.FaultEnd = res.Window.FaultStart // no fault, no window: every op is "before"
	}
	log.Info("recovered", "fault", s.Fault.Name(), "hits", hits)
	res.Faults = []FaultReport{report(s.Fault, res.Window, hits)}
	if err := errors.Join(holdErr, hitsErr, recErr); err != nil {
		return res, errors.Join(fmt.Errorf("fault %s: %w", s.Fault.Name(), err), stop())
	}

	// Cool down: traffic goes on after recovery, then stops.
	e.phase(s.Name, "cool down")
	cooldownErr := sleep(ctx, s.Cooldown)
	if err := errors.Join(cooldownErr, stop()); err != nil {
		return res, err
	}
	reqsAfter, err := e.providerRequests(ctx)
	if err != nil {
		return res, err
	}

	// Settle: the SUT resolves what is pending, by itself or when asked.
	e.phase(s.Name, "settle")
	orders, reconciled, err := e.settle(ctx, rec, s.Settle)
	if err != nil {
		return res, err
	}
	res.Reconciled = reconciled
	res.Window.SettleEnd = rec.Now()

	// Reconcile the two views: what the SUT says, what the provider did.
	ledger, err := e.stack.Provider().Ledger(ctx)
	if err != nil {
		return res, fmt.Errorf("read the provider's ledger: %w", err)
	}
	ops := rec.Ops()
	history.TagPhases(ops, res.Window.FaultStart, res.Window.FaultEnd)

	// Check.
	e.phase(s.Name, "check")
	saved := history.Run{
		Meta: history.Meta{
			Scenario: s.Name, Seed: e.o.seed, Started: res.Started, Mode: e.stack.Mode(), Target: res.Target,
			Traffic: s.Traffic.Name, Faults: []string{s.Fault.Name()},
			FaultStart: res.Window.FaultStart, FaultEnd: res.Window.FaultEnd, SettleEnd: res.Window.SettleEnd,
			FailFastBudget: s.FailFastBudget, FailFastGrace: s.FailFastGrace,
			Reconciled: reconciled, BackgroundReconciler: e.backgroundReconciler(),
		},
		Ops: ops, Orders: orders, Ledger: ledger,
	}
	if noFault {
		saved.Meta.FailFastBudget = 0 // no outage to fail fast in
	}
	texts := map[string]string{}
	if e.sut.Logs != nil {
		texts["sut logs"] = e.sut.Logs()
	}
	res.Verdicts = Check(saved, texts, s.Invariants...)
	for _, v := range res.Verdicts {
		res.MoneyAtRisk += v.MoneyAtRisk
	}
	res.Phases = phaseStats(ops)
	res.RecoveryTime = recoveryTime(ops, res.Window.FaultEnd)
	res.Timeline = timeline(ops)
	res.Inconclusive = inconclusive(s, ops, orders, res.Faults, reqsAfter == reqsBefore)
	res.Duration = time.Since(res.Started)

	// Save, so the run can be re-checked offline.
	if e.o.outDir != "" {
		res.Dir = filepath.Join(e.o.outDir, runDirName(s.Name, e.o.seed))
		if err := history.Save(res.Dir, saved); err != nil {
			return res, fmt.Errorf("save run: %w", err)
		}
	}
	return res, nil
}

// phase tells the phase hook, if any, where a scenario is.
func (e *Env) phase(scenario, phase string) {
	if e.o.onPhase != nil {
		e.o.onPhase(scenario, phase)
	}
}

// Check proves the invariants over a run: the pipeline's check step, and
// what re-checks a saved run offline. texts are other outputs of the SUT
// to scan for leaked secrets (its logs).
func Check(run history.Run, texts map[string]string, invs ...check.Invariant) []check.Verdict {
	in := check.FromRun(run)
	in.Texts = texts
	in.Secrets = []string{SecretKey, WebhookSecret}
	return check.Run(in, invs...)
}

// providerRequests is how many API requests the provider has received.
func (e *Env) providerRequests(ctx context.Context) (int64, error) {
	snap, err := e.stack.Provider().Ledger(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the provider's ledger: %w", err)
	}
	var n int64
	for _, c := range snap.Requests {
		n += c
	}
	return n, nil
}

// settle waits, within limit, for the SUT to resolve what the faults left
// open: no order pending (but those waiting on the customer at the
// provider: 3-D Secure never completed, nothing will move them) and no
// money held at the provider for an order the SUT does not call paid. The
// SUT's own mechanisms (a background reconciler, the provider's webhooks)
// get the first selfHealShare of the budget alone; only then does the
// harness call the SUT's reconcile, on every later read. It returns the
// last orders read and the orders that were open when the asking began
// and resolved after: those needed asking. A SUT whose reconcile call
// never worked when it was needed is a harness problem, not a finding.
func (e *Env) settle(ctx context.Context, rec *history.Recorder, limit time.Duration) ([]history.Order, []string, error) {
	start := time.Now()
	deadline, askFrom := start.Add(limit), start.Add(time.Duration(float64(limit)*selfHealShare))
	r, canAsk := e.sut.Driver.(sut.Reconciler)
	reader := &orderReader{e: e, rec: rec}
	var (
		reconcileErr error
		reconciled   bool
		askedFor     []string // open when the harness began to ask
		open         []string
	)
	for {
		asking := canAsk && !time.Now().Before(askFrom)
		if asking {
			if askedFor == nil {
				askedFor = append([]string{}, open...)
			}
			if err := r.Reconcile(ctx); err != nil {
				reconcileErr = err
				e.o.log.Warn("reconcile", "err", err)
			} else {
				reconciled = true
			}
		}
		orders, err := reader.read(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("read the SUT's orders: %w", err)
		}
		if open, err = e.unsettled(ctx, orders); err != nil {
			return nil, nil, err
		}
		if len(open) == 0 || time.Now().After(deadline) {
			if asking && !reconciled && reconcileErr != nil {
				return nil, nil, fmt.Errorf("the SUT's reconcile call never worked: %w", reconcileErr)
			}
			return orders, resolvedSince(askedFor, open), nil
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, nil, err
		}
	}
}

// waitingOnCustomers reports whether every given order's payments at the
// provider wait for the customer (requires_action) and none took money.
func (e *Env) waitingOnCustomers(ctx context.Context, orders []string) (bool, error) {
	snap, err := e.stack.Provider().Ledger(ctx)
	if err != nil {
		return false, fmt.Errorf("read the provider's ledger: %w", err)
	}
	waiting := map[string]bool{}
	for _, p := range snap.PaymentIntents {
		id := p.OrderID()
		switch {
		case p.Status == "requires_action" && p.AmountReceived == 0:
			if _, seen := waiting[id]; !seen {
				waiting[id] = true
			}
		default:
			waiting[id] = false
		}
	}
	for _, id := range orders {
		if !waiting[id] {
			return false, nil
		}
	}
	return true, nil
}

// inconclusive says why a run proved nothing, or "" when it proved
// something: a run in which no checkout completed, no order of the SUT
// could be read or the provider heard nothing cannot show that the
// service fails safely, only that it does nothing, and is never a pass.
func inconclusive(s Scenario, ops []history.Op, orders []history.Order, faults []FaultReport, providerIdle bool) string {
	checkouts, completed := 0, 0
	for _, op := range ops {
		if op.Kind == history.Pay {
			checkouts++
			if op.Outcome == history.OK {
				completed++
			}
		}
	}
	paid := 0
	for _, o := range orders {
		if o.Status == history.StatusPaid || o.Status == history.StatusRefunded {
			paid++
		}
	}
	switch {
	case checkouts == 0:
		return "no checkout ran"
	case providerIdle:
		return "the provider received no request: the SUT does not reach the provider paychaos gave it"
	case len(orders) == 0:
		return fmt.Sprintf("no order of the SUT could be read after %d checkout(s)", checkouts)
	case completed == 0 && paid == 0:
		return fmt.Sprintf("none of %d checkout(s) completed: the SUT never took a payment", checkouts)
	}
	if s.Fault.Kind() == "none" {
		return ""
	}
	for _, f := range faults {
		if !f.Fired() {
			return fmt.Sprintf("fault %s never acted", f.Name)
		}
	}
	return ""
}

func report(f fault.Fault, w check.Window, hits int64) FaultReport {
	r := FaultReport{Name: f.Name(), Kind: f.Kind(), Start: w.FaultStart, End: w.FaultEnd, Hits: hits}
	if d, ok := f.(fault.Describer); ok {
		r.Params = d.Params()
	}
	return r
}

func opsSince(ops []history.Op, t time.Duration) []history.Op {
	var out []history.Op
	for _, op := range ops {
		if op.Call >= t {
			out = append(out, op)
		}
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func runDirName(name string, seed int64) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	return fmt.Sprintf("%s-seed%d", b, seed)
}
