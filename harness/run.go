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
	"github.com/paychaos/paychaos/harness/load"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
)

// Run takes one scenario through the pipeline: ready (can this
// environment play it?) → warm up (traffic starts) → play the fault
// (inject, hold, recover) → cool down (traffic stops) → settle and
// reconcile → check → save. Each stage is a method below. Run returns an
// error only when the harness could not do its job; what the SUT did
// wrong is in the Result's verdicts.
func (e *Env) Run(ctx context.Context, s Scenario) (Result, error) {
	s = s.withDefaults()
	s = underBudgets(s, e.o.budgets)
	if err := e.ready(s); err != nil {
		return Result{}, err
	}
	rec := history.NewRecorder()
	run := history.Run{Meta: e.meta(s, rec.Start())}
	res := header(run.Meta)
	lag := history.StartLagProbe(rec.Now) // the harness's own delays, which timing checks allow for
	defer lag.Stop()

	stop, reqsBefore, err := e.warmUp(ctx, s, rec)
	if err != nil {
		return res, err
	}
	defer stop() // whatever happens, no traffic outlives the run
	played, err := e.play(ctx, s, rec)
	res.Faults, res.Window = []FaultReport{played}, window(&run.Meta, played)
	if err != nil {
		return res, errors.Join(err, stop())
	}
	reqsAfter, err := e.coolDown(ctx, s, stop)
	if err != nil {
		return res, err
	}
	if err := e.settleAndReconcile(ctx, s, rec, &run); err != nil {
		return res, err
	}
	run.Meta.Lag = lag.Stop()
	res = e.check(s, run, res.Faults, reqsAfter == reqsBefore)
	return res, e.save(&res, run)
}

// ready refuses a scenario that cannot run here before anything starts: a
// malformed one, or one whose fault this environment cannot play (with
// what it lacks, as fault.ErrUnsupported).
func (e *Env) ready(s Scenario) error {
	if err := s.validate(); err != nil {
		return err
	}
	if err := fault.Available(s.Fault, e.Targets()); err != nil {
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	return nil
}

// meta is the saved run's header as far as it is known before the run;
// the pipeline adds the fault window and the settle deadline.
func (e *Env) meta(s Scenario, started time.Time) history.Meta {
	return history.Meta{
		Scenario: s.Name, Seed: e.o.seed, Started: started, Mode: string(e.stack.Mode()), Target: e.o.launcher.Name(),
		Traffic: s.Traffic.Name, Faults: []string{s.Fault.Name()},
		FailFastBudget: s.FailFastBudget, FailFastGrace: s.FailFastGrace,
		MetadataKey: e.sut.MetadataKey, OrdersListed: sut.Lists(e.sut.Driver), Flow: e.flowName(),
		BackgroundReconciler: e.backgroundReconciler(),
	}
}

// header is a Result as far as the saved run's header says.
func header(m history.Meta) Result {
	return Result{
		Scenario: m.Scenario, Seed: m.Seed, Mode: m.Mode, Target: m.Target, Traffic: m.Traffic, Started: m.Started,
		Window: check.Window{FaultStart: m.FaultStart, FaultEnd: m.FaultEnd, SettleEnd: m.SettleEnd},
	}
}

// warmUp starts the traffic, which runs beside everything that follows
// until stop, and lets it run for the warm-up. It returns how many
// requests the provider had received when the traffic started. On error
// it has stopped the traffic.
func (e *Env) warmUp(ctx context.Context, s Scenario, rec *history.Recorder) (stop func() error, reqs int64, err error) {
	e.phase(s.Name, "warm up")
	stop = traffic.Start(ctx, &traffic.Runner{
		Driver: e.sut.Driver, Recorder: rec, Customers: e.sut.Customers, Browser: e.customers(),
		Rand: rand.New(rand.NewPCG(uint64(e.o.seed), hash(s.Name))), Prefix: fmt.Sprintf("%s-%d-", s.Name, time.Now().UnixNano()),
	}, s.Traffic)
	if reqs, err = e.providerRequests(ctx); err == nil {
		err = sleep(ctx, s.Warmup)
	}
	if err != nil {
		return nil, 0, errors.Join(err, stop())
	}
	return stop, reqs, nil
}

// play injects the scenario's fault, holds it (sending the attacks, if
// any) and recovers it, whatever happens.
func (e *Env) play(ctx context.Context, s Scenario, rec *history.Recorder) (FaultReport, error) {
	log := e.o.log.With("scenario", s.Name, "fault", s.Fault.Name())
	log.Info("inject")
	h := fault.Hold{For: s.Hold, Recorder: rec, Phase: func(p string) { e.phase(s.Name, p) }}
	if s.Attacks != nil {
		h.While = func(ctx context.Context) error {
			return e.attack(ctx, rec, s, rand.New(rand.NewPCG(uint64(e.o.seed), hash(s.Name+"/attacks"))))
		}
	}
	r, err := fault.Play(ctx, s.Fault, e.Targets(), h)
	log.Info("recovered", "hits", r.Hits)
	return r, err
}

// window puts the fault's window in the run's header and returns it. With
// no window there is no outage to fail fast in.
func window(m *history.Meta, f FaultReport) check.Window {
	m.FaultStart, m.FaultEnd = f.Start, f.End
	if m.FaultEnd <= m.FaultStart {
		m.FailFastBudget = 0
	}
	return header(*m).Window
}

// coolDown lets the traffic go on after recovery, then stops it. It
// returns how many requests the provider had received by then.
func (e *Env) coolDown(ctx context.Context, s Scenario, stop func() error) (int64, error) {
	e.phase(s.Name, "cool down")
	if err := errors.Join(sleep(ctx, s.Cooldown), stop()); err != nil {
		return 0, err
	}
	return e.providerRequests(ctx)
}

// settleAndReconcile lets the SUT resolve what is pending, by itself or
// when asked, then puts the two views in the run: what the SUT says
// (orders) and what the provider did (ledger), over the history.
func (e *Env) settleAndReconcile(ctx context.Context, s Scenario, rec *history.Recorder, run *history.Run) error {
	e.phase(s.Name, "settle")
	if n, err := e.expireAbandoned(ctx); err != nil {
		return err
	} else if n > 0 {
		e.o.log.Info("expired abandoned checkout sessions", "n", n)
	}
	orders, reconciled, err := e.settle(ctx, rec, s.Settle)
	if err != nil {
		return err
	}
	run.Meta.SettleEnd, run.Meta.Reconciled = rec.Now(), reconciled
	if run.Ledger, err = e.stack.Provider().Ledger(ctx); err != nil {
		return fmt.Errorf("read the provider's ledger: %w", err)
	}
	run.Orders, run.Ops = orders, rec.Ops()
	history.TagPhases(run.Ops, run.Meta.FaultStart, run.Meta.FaultEnd)
	return nil
}

// check proves the invariants over the run and sums it up as a Result.
func (e *Env) check(s Scenario, run history.Run, faults []FaultReport, providerIdle bool) Result {
	e.phase(s.Name, "check")
	texts := map[string]string{}
	if e.sut.Logs != nil {
		texts["sut logs"] = e.sut.Logs()
	}
	res := header(run.Meta)
	res.Faults = faults
	res.Verdicts = Check(run, texts, s.Invariants...)
	for _, v := range res.Verdicts {
		res.MoneyAtRisk = check.AddMoney(res.MoneyAtRisk, v.MoneyAtRisk)
	}
	res.Reconciled = run.Meta.Reconciled
	res.Phases = phaseStats(run.Ops)
	if s.Traffic.Arrivals.Kind != "" {
		res.Load = load.Measure(s.Traffic.Arrivals, run.Ops)
	}
	res.RecoveryTime = recoveryTime(run.Ops, run.Meta.FaultEnd)
	res.Timeline = timeline(run.Ops)
	res.Inconclusive = inconclusive(s, run.Ops, run.Orders, faults, providerIdle)
	res.allowForLag(run.Meta.Lag)
	res.Duration = time.Since(res.Started)
	return res
}

// save writes the run under the output directory, if any, so that it can
// be re-checked offline, and says where in res.Dir.
func (e *Env) save(res *Result, run history.Run) error {
	if e.o.outDir == "" {
		return nil
	}
	res.Dir = filepath.Join(e.o.outDir, runDirName(run.Meta.Scenario, run.Meta.Seed))
	if err := history.Save(res.Dir, run); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	return nil
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
func (e *Env) waitingOnCustomers(ctx context.Context, orders []history.Order) (bool, error) {
	snap, err := e.stack.Provider().Ledger(ctx)
	if err != nil {
		return false, fmt.Errorf("read the provider's ledger: %w", err)
	}
	join := check.NewJoin(orders, e.sut.MetadataKey) // the checker's join, so both read a payment alike
	waiting := map[string]bool{}
	for _, p := range snap.PaymentIntents {
		id := join.Order(p.ID, p.Metadata)
		switch {
		case (p.Status == "requires_action" || e.browser != nil && p.Status == "requires_payment_method") && p.AmountReceived == 0:
			if _, seen := waiting[id]; !seen {
				waiting[id] = true
			}
		default:
			waiting[id] = false
		}
	}
	for _, o := range orders {
		if !waiting[o.ID] {
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
