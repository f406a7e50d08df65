package refshop

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/harness/sut"
)

// runner stands in for harness/containers' Runtime: it records the
// target it was given and launches nothing.
type runner struct {
	target   sut.Target
	token    string
	launched int
}

func (r *runner) SUT(t sut.Target, adminToken string) sut.Launcher {
	r.target, r.token = t, adminToken
	return fakeLauncher{r}
}

type fakeLauncher struct{ r *runner }

func (l fakeLauncher) Name() string { return l.r.target.Name }
func (l fakeLauncher) Launch(context.Context, sut.Wiring) (*sut.Instance, error) {
	l.r.launched++
	return nil, errors.New("launched")
}

func TestContainer(t *testing.T) {
	r := &runner{}
	l := Container(r, "paychaos/shop:dev", "no-reconciler")
	if l.Name() != "reference-shop[no-reconciler]" || r.token != AdminToken {
		t.Fatalf("name %q, token %q", l.Name(), r.token)
	}
	tg := r.target
	if err := tg.Container.Validate(tg); err != nil || tg.Container.Image != "paychaos/shop:dev" || tg.Container.Env["SHOP_FLAWS"] != "no-reconciler" {
		t.Fatalf("target %+v: %v", tg.Container, err)
	}
	if _, err := l.Launch(context.Background(), sut.Wiring{}); err == nil || err.Error() != "launched" || r.launched != 1 {
		t.Fatalf("a known flaw is not launched: %v", err)
	}
	// An unknown flaw is refused before a container is started for nothing.
	bad := Container(r, "paychaos/shop:dev", "no-such-flaw")
	if _, err := bad.Launch(context.Background(), sut.Wiring{}); err == nil || !strings.Contains(err.Error(), "no-such-flaw") || r.launched != 1 {
		t.Fatalf("an unknown flaw: %v (launched %d)", err, r.launched)
	}
}
