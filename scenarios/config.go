package scenarios

import (
	"context"
	"fmt"
	"os"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/attack"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/sut/refshop"
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
}

// ReferenceShop runs the scenarios against the reference shop, a real
// child process of this program (see refshop.RunIfChild), with the named
// flaws (comma-separated, as in SHOP_FLAWS) switched on. Runs are saved
// under outDir when it is not empty.
func ReferenceShop(flaws, outDir string) Config {
	return Config{
		NewEnv: func(ctx context.Context, seed int64) (*harness.Env, error) {
			opts := []harness.Option{harness.WithSeed(seed), harness.WithSUT(refshop.Process{Flaws: flaws})}
			if outDir != "" {
				opts = append(opts, harness.WithOutDir(outDir))
			}
			return harness.New(ctx, opts...)
		},
		Items: &attack.ShopItems,
		Reproduce: func(name string, seed int64) string {
			env := ""
			if flaws != "" {
				env = "SHOP_FLAWS=" + flaws + " "
			}
			return fmt.Sprintf("%spaychaos run --seed %d --focus %q", env, seed, name)
		},
	}
}

// FromTarget runs the scenarios against a service described by a target
// file: started as a process when the target says how, otherwise driven
// where it runs already.
func FromTarget(t sut.Target, path, outDir string) Config {
	var l sut.Launcher = sut.Running{Target: t}
	if t.Process.Command != "" {
		l = sut.Subprocess{Target: t}
	}
	return Config{
		NewEnv: func(ctx context.Context, seed int64) (*harness.Env, error) {
			opts := []harness.Option{harness.WithSeed(seed), harness.WithSUT(l)}
			if outDir != "" {
				opts = append(opts, harness.WithOutDir(outDir))
			}
			return harness.New(ctx, opts...)
		},
		Reproduce: func(name string, seed int64) string {
			return fmt.Sprintf("paychaos run --target %s --seed %d --focus %q", path, seed, name)
		},
	}
}

// FromEnv is ReferenceShop configured by SHOP_FLAWS and PAYCHAOS_OUT.
func FromEnv() Config { return ReferenceShop(os.Getenv("SHOP_FLAWS"), os.Getenv("PAYCHAOS_OUT")) }
