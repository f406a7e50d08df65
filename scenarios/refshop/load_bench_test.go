package refshop

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/load"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
)

// benchConcurrency is the checkouts in flight for both generators.
const benchConcurrency = 32

// BenchmarkOpenLoopVsDedicated drives the reference shop (shop →
// Toxiproxy → provider, the embedded stack) side by side in one run with
// paychaos's open-loop generator, recording every checkout, and with a
// bare generator: a fixed pool of workers POSTing the same checkout body
// with nothing recorded. Both keep benchConcurrency checkouts in flight,
// in rounds that alternate which goes first, so that neither always gets
// the emptier database. The
// ratio is paychaos's sustained checkouts/s over the bare generator's;
// it should stay at or above 0.8.
func BenchmarkOpenLoopVsDedicated(b *testing.B) {
	ctx := b.Context()
	env, err := harness.New(ctx, harness.WithSUT(Launcher{}), harness.WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := env.Close(); err != nil {
			b.Error(err)
		}
	})
	inst := env.SUT()
	base := inst.Driver.(*sut.HTTPDriver).Target().BaseURL
	const round = 2 * time.Second
	var bare, ours float64
	var rounds int
	for b.Loop() {
		for k := range 4 {
			if k%2 == 0 {
				bare += dedicated(ctx, b, base, round, k)
				ours += openLoop(ctx, b, inst, round, k)
			} else {
				ours += openLoop(ctx, b, inst, round, k)
				bare += dedicated(ctx, b, base, round, k)
			}
			rounds++
		}
	}
	bare, ours = bare/float64(rounds), ours/float64(rounds)
	b.ReportMetric(bare, "bare-checkouts/s")
	b.ReportMetric(ours, "paychaos-checkouts/s")
	b.ReportMetric(ours/bare, "ratio")
}

// dedicated is the bare generator: benchConcurrency workers, one tuned
// client, the same body each time (a fresh idempotency key, or the shop
// would answer from its cache). It returns paid checkouts per second.
func dedicated(ctx context.Context, b *testing.B, base string, d time.Duration, round int) float64 {
	tr := &http.Transport{MaxIdleConns: benchConcurrency, MaxIdleConnsPerHost: benchConcurrency}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	body := []byte(`{"amount":1000,"currency":"usd","payment_method":"pm_card_visa"}`)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var paid, seq atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range benchConcurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), "POST", base+"/orders", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				req.Header.Set("Authorization", "Bearer "+Customers[0].Token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "bare-"+strconv.Itoa(round)+"-"+strconv.FormatInt(seq.Add(1), 10))
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					paid.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(paid.Load()) / time.Since(start).Seconds()
}

// openLoop is paychaos's traffic at an arrival rate beyond what the shop
// can take, capped at benchConcurrency in flight, every checkout recorded.
// It returns paid checkouts per second.
func openLoop(ctx context.Context, b *testing.B, inst *sut.Instance, d time.Duration, round int) float64 {
	rec := history.NewRecorder()
	p := traffic.Rush
	p.Name, p.Clients, p.Max = "bench", benchConcurrency, 1_000_000
	p.Methods = []traffic.Method{{ID: "pm_card_visa", Weight: 1}}
	p.Arrivals = load.Shape{Kind: load.Constant, Rate: 20_000}
	r := &traffic.Runner{Driver: inst.Driver, Recorder: rec, Customers: inst.Customers[:1],
		Rand: rand.New(rand.NewPCG(1, uint64(round))), Prefix: "bench-" + strconv.Itoa(round) + "-"}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	if _, err := r.Run(ctx, p); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	paid := 0
	for _, op := range rec.Ops() {
		if op.Kind == history.Pay && op.Outcome == history.OK {
			paid++
		}
	}
	return float64(paid) / elapsed.Seconds()
}
