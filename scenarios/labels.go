package scenarios

// Labels select scenarios with --label-filter. Every scenario carries its
// family's label; Smoke marks the fast subset run on every pull request
// and Slow the long ones.
const (
	Smoke     = "smoke"
	Outage    = "outage"
	Latency   = "latency"
	Ambiguous = "ambiguous"
	Webhook   = "webhook"
	Malicious = "malicious"
	Crash     = "crash"
	Partition = "partition"
	Load      = "load"
	Browser   = "browser"
	Slow      = "slow"
)
