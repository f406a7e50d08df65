package fault

import (
	"time"

	"github.com/paychaos/paychaos/harness/proxy"
)

// Network faults on the customer's path to the provider: the browser's
// own link, which the flows with a browser step (client confirmation,
// the hosted Checkout page) have. A flow without one skips them, with the
// reason (NeedBrowserLink).
var (
	// BrowserDown refuses the browser's connections to the provider: the
	// customer cannot confirm nor reach the hosted page. Their orders stay
	// unpaid, and no money moves.
	BrowserDown Fault = Outage{FaultName: "browser-link-down", Link: BrowserLink}
	// BrowserSlow delays the provider's answers to the browser by 1.5s ±
	// 250ms: the payment is made, the customer learns of it late.
	BrowserSlow Fault = BrowserLatency("browser-latency", 1500*time.Millisecond, 250*time.Millisecond)
)

// BrowserLatency delays the provider's answers to the browser by d ±
// jitter on the wire.
func BrowserLatency(name string, d, jitter time.Duration) Fault {
	return ToxicFault{FaultName: name, Link: BrowserLink, Toxic: proxy.Latency(proxy.Downstream, d, jitter)}
}
