package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/attack"
	"github.com/paychaos/paychaos/harness/containers"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/scenarios"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

// modes paychaos run knows.
const (
	modeEmbedded   = "embedded"
	modeContainers = "containers"
	modeRemote     = "remote"
)

// checkMode refuses a mode that cannot work before any scenario runs, and
// reads the remote provider's token from --token-file.
func checkMode(f *runFlags) error {
	if f.tokenFile != "" {
		if f.mode != modeRemote {
			return fmt.Errorf("--token-file is the remote provider's token: only with --mode remote")
		}
		tok, err := secretFile("--token-file", f.tokenFile)
		if err != nil {
			return err
		}
		f.providerToken = tok // the shards get it in their environment, not their arguments
	}
	switch f.mode {
	case modeEmbedded:
	case modeContainers:
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := containers.Available(ctx); err != nil {
			return fmt.Errorf("--mode containers needs a Docker engine: %w", err)
		}
		if f.target != "" {
			t, err := sut.LoadTarget(f.target)
			if err != nil {
				return err
			}
			if t.Container.Image == "" {
				return fmt.Errorf("--mode containers: target %s names no container image (container.image)", f.target)
			}
		}
	case modeRemote:
		if f.toxiproxy == "" || f.provider == "" {
			return errors.New("--mode remote needs --toxiproxy (the Toxiproxy API URL) and --provider (the fake provider's URL)")
		}
		if f.target == "" {
			return errors.New("--mode remote needs --target: the SUT that runs there")
		}
	default:
		return fmt.Errorf("--mode %q: want embedded, containers or remote", f.mode)
	}
	return nil
}

// config wires the scenarios for the run's mode and target. The returned
// function releases what it set up (the containers runtime).
func config(f runFlags, runs string, onPhase func(string, string)) (scenarios.Config, func() error, error) {
	reproduce := func(name string, seed int64) string {
		cmd := fmt.Sprintf("paychaos run --mode %s --seed %d --label-filter '' --parallel 1 --focus %q", f.mode, seed, "^"+regexp.QuoteMeta(name)+"$")
		switch {
		case f.target != "":
			cmd += " --target " + f.target
		case f.flaws != "":
			cmd = "SHOP_FLAWS=" + f.flaws + " " + cmd
		}
		if f.mode == modeRemote {
			cmd += " --toxiproxy " + f.toxiproxy + " --provider " + f.provider
		}
		return cmd
	}
	var t sut.Target
	if f.target != "" {
		var err error
		if t, err = sut.LoadTarget(f.target); err != nil {
			return scenarios.Config{}, nil, err
		}
	}
	none := func() error { return nil }
	switch f.mode {
	case modeContainers:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		rt, err := containers.New(ctx, containers.Config{})
		if err != nil {
			return scenarios.Config{}, nil, fmt.Errorf("containers: %w", err)
		}
		env := scenarios.Env{Stack: rt.Stack, SUT: refshop.Container(rt, containers.ShopImage.Ref, f.flaws), Out: runs, OnPhase: onPhase}
		items := &attack.ShopItems
		if f.target != "" {
			env.SUT, env.Options, items = rt.SUT(t, ""), targetOptions(t), nil
		}
		return scenarios.Wire(env, items, reproduce), rt.Close, nil
	case modeRemote:
		env := scenarios.Env{
			Stack: func(int64, *slog.Logger) (harness.Stack, error) {
				return harness.Remote(f.toxiproxy, f.provider, f.providerToken)
			},
			SUT: launcher(t), Out: runs, OnPhase: onPhase, Options: targetOptions(t),
		}
		return scenarios.Wire(env, nil, reproduce), none, nil
	}
	if f.target != "" {
		return scenarios.Wire(scenarios.Env{SUT: launcher(t), Out: runs, OnPhase: onPhase, Options: targetOptions(t)}, nil, reproduce), none, nil
	}
	return scenarios.Wire(scenarios.Env{SUT: refshop.Process{Flaws: f.flaws}, Out: runs, OnPhase: onPhase}, &attack.ShopItems, reproduce), none, nil
}

// targetOptions are the environment options a target file sets: its
// budgets.
func targetOptions(t sut.Target) []harness.Option {
	if t.Budgets.IsZero() {
		return nil
	}
	return []harness.Option{harness.WithBudgets(t.Budgets)}
}

// launcher starts a target as a process when it says how, and otherwise
// drives it where it runs.
func launcher(t sut.Target) sut.Launcher {
	if t.Process.Command != "" {
		return sut.Subprocess{Target: t}
	}
	return sut.Running{Target: t}
}
