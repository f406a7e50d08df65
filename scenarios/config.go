package scenarios

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/attack"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

// Config says how each scenario gets a fresh environment.
type Config struct {
	// NewEnv wires a fresh environment for one scenario, seeded with seed.
	NewEnv func(ctx context.Context, seed int64) (*harness.Env, error)
	// Reproduce is the command that re-runs one scenario, given its full
	// name and seed; shown when a scenario fails.
	Reproduce func(name string, seed int64) string
	// Items is a basket the SUT prices itself, for the tampered-amount
	// attack; nil skips that attack.
	Items *attack.Items
	// Offers is what every environment NewEnv wires offers faults, known
	// before it starts (harness.Offers): a scenario whose fault needs more
	// is skipped before any process starts. Nil: ask each environment
	// once it runs.
	Offers fault.Offers
}

// playable is nil unless cfg's offer is known and s's fault needs
// something it lacks: then it is the *fault.UnavailableError that names
// the missing capability.
func (cfg Config) playable(s harness.Scenario) error {
	if cfg.Offers == nil || s.Fault == nil {
		return nil
	}
	return fault.Available(s.Fault, cfg.Offers)
}

// Env wires one scenario's environment: where the provider and Toxiproxy
// run (nil: embedded) and the SUT.
type Env struct {
	Stack func(seed int64, log *slog.Logger) (harness.Stack, error)
	SUT   sut.Launcher
	// Out is where runs are saved; "" saves nothing.
	Out string
	// OnPhase, when set, is told as each scenario enters a phase.
	OnPhase func(scenario, phase string)
	// Options are added to every environment (harness.WithBudgets…).
	Options []harness.Option
}

// Wire is the Config that builds each scenario's environment from e.
// describe names the target in reproduce commands.
func Wire(e Env, items *attack.Items, reproduce func(name string, seed int64) string) Config {
	offers, _ := harness.Offers(e.SUT)
	return Config{
		Offers: offers,
		NewEnv: func(ctx context.Context, seed int64) (*harness.Env, error) {
			opts := []harness.Option{harness.WithSeed(seed), harness.WithSUT(e.SUT)}
			if e.Stack != nil {
				opts = append(opts, harness.WithStack(e.Stack))
			}
			if e.Out != "" {
				opts = append(opts, harness.WithOutDir(e.Out))
			}
			if e.OnPhase != nil {
				opts = append(opts, harness.WithPhaseHook(e.OnPhase))
			}
			opts = append(opts, e.Options...)
			return harness.New(ctx, opts...)
		},
		Items:     items,
		Reproduce: reproduce,
	}
}

// ReferenceShop runs the scenarios against the reference shop, a real
// child process of this program (see refshop.RunIfChild), with the named
// flaws (comma-separated, as in SHOP_FLAWS) switched on. Runs are saved
// under outDir when it is not empty.
func ReferenceShop(flaws, outDir string) Config {
	return Wire(Env{SUT: refshop.Process{Flaws: flaws}, Out: outDir}, &attack.ShopItems, func(name string, seed int64) string {
		env := ""
		if flaws != "" {
			env = "SHOP_FLAWS=" + flaws + " "
		}
		return fmt.Sprintf("%spaychaos run --seed %d --label-filter '' --parallel 1 --focus %q", env, seed, "^"+regexp.QuoteMeta(name)+"$")
	})
}

// FromEnv is ReferenceShop configured by SHOP_FLAWS and PAYCHAOS_OUT.
func FromEnv() Config { return ReferenceShop(os.Getenv("SHOP_FLAWS"), os.Getenv("PAYCHAOS_OUT")) }
