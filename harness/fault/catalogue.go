package fault

import (
	"time"

	fp "github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/proxy"
)

// Provider routes faults are aimed at.
const (
	CreatePayment = "POST /v1/payment_intents"
	CreateRefund  = "POST /v1/refunds"
)

// Network faults on the SUT's link to the provider.
var (
	// ProviderBlackhole accepts the SUT's connections and never answers:
	// only the SUT's own timeouts save it.
	ProviderBlackhole Fault = ToxicFault{FaultName: "provider-blackhole", Link: ProviderLink, Toxic: proxy.Blackhole(proxy.Upstream)}
	// ProviderReset resets every connection (TCP RST) on its first data.
	ProviderReset Fault = ToxicFault{FaultName: "provider-reset", Link: ProviderLink, Toxic: proxy.ResetPeer(proxy.Upstream, 0)}
	// ProviderCutResponse closes the connection 120 bytes into the
	// provider's answer: the request was served, the answer is lost.
	ProviderCutResponse Fault = ToxicFault{FaultName: "provider-cut-response", Link: ProviderLink, Toxic: proxy.LimitData(proxy.Downstream, 120)}
	// ProviderStarved squeezes answers to 1 KB/s.
	ProviderStarved Fault = ToxicFault{FaultName: "provider-bandwidth", Link: ProviderLink, Toxic: proxy.Bandwidth(proxy.Downstream, 1)}
	// ProviderSlowClose holds connections open 2s before closing them.
	ProviderSlowClose Fault = ToxicFault{FaultName: "provider-slow-close", Link: ProviderLink, Toxic: proxy.SlowClose(proxy.Downstream, 2*time.Second)}
)

// ProviderLatency delays the provider's answers by d ± jitter on the wire.
func ProviderLatency(name string, d, jitter time.Duration) Fault {
	return ToxicFault{FaultName: name, Link: ProviderLink, Toxic: proxy.Latency(proxy.Downstream, d, jitter)}
}

// Provider faults, played by the fake provider.
var (
	// ProviderErrors answers checkouts with a well-formed 500 api_error,
	// which stripe-go does not retry; nothing is charged.
	ProviderErrors Fault = ProviderFault{FaultName: "provider-500", Fault: fp.Fault{Kind: fp.FaultHTTPError, Endpoint: CreatePayment, Status: 500}}
	// ProviderBadGateway answers checkouts with an HTML 502, which
	// stripe-go retries with the same key; nothing is charged.
	ProviderBadGateway Fault = ProviderFault{FaultName: "provider-502-html", Fault: fp.Fault{Kind: fp.FaultHTTPError, Endpoint: CreatePayment, Status: 502, Body: fp.BodyHTML}}
	// ProviderRateLimited answers 429 rate_limit (not retried by stripe-go).
	ProviderRateLimited Fault = ProviderFault{FaultName: "provider-rate-limit", Fault: fp.Fault{Kind: fp.FaultRateLimit, Endpoint: CreatePayment}}
	// ProviderLockTimeout answers 429 lock_timeout (retried by stripe-go).
	ProviderLockTimeout Fault = ProviderFault{FaultName: "provider-lock-timeout", Fault: fp.Fault{Kind: fp.FaultLockTimeout, Endpoint: CreatePayment}}
	// ProviderAway refuses every API request, then comes back with its
	// ledger intact.
	ProviderAway Fault = ProviderFault{FaultName: "provider-away", Fault: fp.Fault{Kind: fp.FaultAway}}

	// CommitThen500 charges, then answers a 500: the ambiguous case. A
	// retry with the same key replays the success; a new key charges again.
	CommitThen500 Fault = ProviderFault{FaultName: "commit-then-500", Fault: fp.Fault{Kind: fp.FaultCommitThenFail, Endpoint: CreatePayment, Mode: fp.ModeError, Status: 500}}
	// CommitThenDrop charges, then drops the connection.
	CommitThenDrop Fault = ProviderFault{FaultName: "commit-then-drop", Fault: fp.Fault{Kind: fp.FaultCommitThenFail, Endpoint: CreatePayment, Mode: fp.ModeDrop}}
	// CommitThenHang charges, then holds the answer until the SUT gives up.
	CommitThenHang Fault = ProviderFault{FaultName: "commit-then-hang", Fault: fp.Fault{Kind: fp.FaultCommitThenFail, Endpoint: CreatePayment, Mode: fp.ModeHang}}
	// TruncatedSuccess charges, then sends half of the 200 body.
	TruncatedSuccess Fault = ProviderFault{FaultName: "truncated-2xx", Fault: fp.Fault{Kind: fp.FaultTruncatedJSON, Endpoint: CreatePayment}}
	// RetryOnSuccess marks a success Stripe-Should-Retry: stripe-go sends
	// the checkout again; only the idempotency key stops a second charge.
	RetryOnSuccess Fault = ProviderFault{FaultName: "should-retry-on-success", Fault: fp.Fault{Kind: fp.FaultShouldRetry, Endpoint: CreatePayment}}
	// RefundCommitThen500 refunds, then answers a 500.
	RefundCommitThen500 Fault = ProviderFault{FaultName: "refund-commit-then-500", Fault: fp.Fault{Kind: fp.FaultCommitThenFail, Endpoint: CreateRefund, Mode: fp.ModeError, Status: 500}}
)

// Webhook faults, played by the fake provider on its deliveries.
var (
	WebhookDrop       Fault = ProviderFault{FaultName: "webhook-drop", Fault: fp.Fault{Kind: fp.FaultWebhookDrop}}
	WebhookDuplicate  Fault = ProviderFault{FaultName: "webhook-duplicate", Fault: fp.Fault{Kind: fp.FaultWebhookDuplicate}}
	WebhookDelay      Fault = ProviderFault{FaultName: "webhook-delay", Fault: fp.Fault{Kind: fp.FaultWebhookDelay, Delay: 500 * time.Millisecond}}
	WebhookReorder    Fault = ProviderFault{FaultName: "webhook-reorder", Fault: fp.Fault{Kind: fp.FaultWebhookReorder, Delay: time.Second}}
	WebhookBadSig     Fault = ProviderFault{FaultName: "webhook-bad-signature", Fault: fp.Fault{Kind: fp.FaultWebhookBadSignature}}
	WebhookStale      Fault = ProviderFault{FaultName: "webhook-stale", Fault: fp.Fault{Kind: fp.FaultWebhookStale}}
	WebhookEarly      Fault = ProviderFault{FaultName: "webhook-before-answer", Fault: fp.Fault{Kind: fp.FaultWebhookEarly, Delay: time.Second}}
	WebhookAPIVersion Fault = ProviderFault{FaultName: "webhook-api-version", Fault: fp.Fault{Kind: fp.FaultWebhookAPIVersion}}
)
