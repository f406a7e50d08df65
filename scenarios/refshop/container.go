package refshop

import (
	"context"
	"strings"
	"time"

	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness/sut"
)

// ContainerRunner runs a target as a container: harness/containers'
// Runtime does. The shop reaches it as any team's service does, through a
// target, so that the container backend links nothing of the shop.
type ContainerRunner interface {
	SUT(t sut.Target, adminToken string) sut.Launcher
}

// ContainerTarget is the reference shop as a container target: image
// (harness/containers' ShopImage.Ref) on port 8080, the reference
// customers, and the short timeouts the scenarios use, with the named
// flaws (comma-separated, as SHOP_FLAWS) switched on.
func ContainerTarget(image, flaws string) sut.Target {
	t := sut.ShopTarget("", Customers) // the container backend sets the address
	t.Name = Launcher{Flaws: flaws}.Name()
	t.Container = sut.ContainerSpec{Image: image, Port: 8080, Env: shopEnv(flaws, 0)}
	return t
}

// shopEnv configures the shop's process or container as Launcher
// configures it in process: the reference customers, the admin token, the
// short timeouts the scenarios use (clientTimeout, 400ms when 0) and the
// named flaws.
func shopEnv(flaws string, clientTimeout time.Duration) map[string]string {
	if clientTimeout == 0 {
		clientTimeout = 400 * time.Millisecond
	}
	var tokens []string
	for _, c := range Customers {
		tokens = append(tokens, c.Token+"="+c.ID)
	}
	return map[string]string{
		"SHOP_FLAWS":              flaws,
		"SHOP_CUSTOMERS":          strings.Join(tokens, ","),
		"SHOP_ADMIN_TOKEN":        AdminToken,
		"SHOP_CLIENT_TIMEOUT":     clientTimeout.String(),
		"SHOP_RESPONSE_BUDGET":    (5 * clientTimeout).String(),
		"SHOP_RECONCILE_INTERVAL": "250ms",
		"SHOP_LOG_LEVEL":          "info",
	}
}

// Container launches the reference shop's image through rt with the named
// flaws: the containers twin of Process. Unknown flaw names are refused
// before a container is started for nothing.
func Container(rt ContainerRunner, image, flaws string) sut.Launcher {
	return checkedFlaws{Launcher: rt.SUT(ContainerTarget(image, flaws), AdminToken), flaws: flaws}
}

type checkedFlaws struct {
	sut.Launcher
	flaws string
}

var (
	_ sut.Launcher = checkedFlaws{}
	_ sut.Offerer  = checkedFlaws{}
)

// Offers implements sut.Offerer: what the runner's launcher offers.
func (l checkedFlaws) Offers() sut.Offer {
	if o, ok := l.Launcher.(sut.Offerer); ok {
		return o.Offers()
	}
	return sut.Offer{Process: true, Network: true} // a container
}

func (l checkedFlaws) Launch(ctx context.Context, w sut.Wiring) (*sut.Instance, error) {
	if _, err := checkout.ParseFlaws(l.flaws); err != nil {
		return nil, err
	}
	return l.Launcher.Launch(ctx, w)
}
