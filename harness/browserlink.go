package harness

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/browser"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
)

// keyHolder is a provider control surface that tells its publishable key
// (the in-process provider and its remote client both do).
type keyHolder interface {
	APIKeys(ctx context.Context) (fakeprovider.Keys, error)
}

var (
	_ keyHolder = (*fakeprovider.Provider)(nil)
	_ keyHolder = (*fakeprovider.Client)(nil)
)

// wireBrowser gives a SUT whose flow has a browser step (sut.FlowOf) its
// customers' browser: a third Toxiproxy link, from the customer to the
// provider, and the provider's publishable key. Other flows get neither,
// so faults on the browser link are skipped for them.
func (e *Env) wireBrowser(ctx context.Context, suffix string) error {
	flow := sut.FlowOf(e.sut.Driver)
	if !flow.Browser() {
		return nil
	}
	reach, reaches := e.stack.(BrowserReacher)
	if e.stack.Mode() == ModeContainers && !reaches {
		return fmt.Errorf("flow %s needs the customer's browser link to the provider, which this containers stack does not publish", flow)
	}
	kh, ok := e.stack.Provider().(keyHolder)
	if !ok {
		return fmt.Errorf("flow %s: the provider does not tell its publishable key", flow)
	}
	keys, err := kh.APIKeys(ctx)
	if err != nil {
		return fmt.Errorf("flow %s: read the publishable key: %w", flow, err)
	}
	if e.browserLink, err = e.stack.Proxy().Link(ctx, "browser"+suffix, e.stack.ProviderUpstream(), e.stack.Listen("browser")); err != nil {
		return err
	}
	base := e.browserLink.URL()
	if reaches {
		if base, err = reach.BrowserURL(ctx); err != nil {
			return err
		}
	}
	e.browser = &browser.Browser{Base: base, Key: keys.PublishableKey, Client: &http.Client{Timeout: 5 * time.Second}}
	return nil
}

// BrowserReacher is a Stack whose links' URLs are not the host's way to
// them (containers): it says where the host, which plays the customer's
// browser, reaches the browser link.
type BrowserReacher interface {
	BrowserURL(ctx context.Context) (string, error)
}

// customers is the browser the traffic's customers use, or nil when the
// flow has none.
func (e *Env) customers() traffic.Browser {
	if e.browser == nil {
		return nil
	}
	return e.browser
}

// expireAbandoned lets time pass for the Checkout Sessions still open
// once the traffic has stopped: their customers left the page (or never
// reached it), and Stripe would expire them after a day. The harness
// expires them now through the API, so that the SUT hears
// checkout.session.expired within the settle window. The provider's
// clock is left alone: moving it would make every later webhook look
// stale to the SUT.
func (e *Env) expireAbandoned(ctx context.Context) (int, error) {
	if e.browser == nil || sut.FlowOf(e.sut.Driver) != sut.FlowCheckoutSession {
		return 0, nil
	}
	snap, err := e.stack.Provider().Ledger(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the provider's ledger: %w", err)
	}
	n := 0
	c := &http.Client{Timeout: 5 * time.Second}
	for _, s := range snap.CheckoutSessions {
		if s.Status != "open" {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.browser.Base+"/v1/checkout/sessions/"+url.PathEscape(s.ID)+"/expire", strings.NewReader(""))
		if err != nil {
			return n, err
		}
		req.Header.Set("Authorization", "Bearer "+SecretKey)
		resp, err := c.Do(req)
		if err != nil {
			return n, fmt.Errorf("expire checkout session %s: %w", s.ID, err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			n++
		}
	}
	return n, nil
}

// flowName is the SUT's flow, as a saved run records it.
func (e *Env) flowName() string { return string(sut.FlowOf(e.sut.Driver)) }
