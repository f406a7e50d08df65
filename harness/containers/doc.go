// Package containers runs paychaos's environment on Docker through
// testcontainers-go: the fake provider, a Toxiproxy server and the system
// under test each in a container built locally FROM scratch, so that a
// crash is a real container kill, a freeze a real pause and a partition a
// real network disconnect.
//
// It is kept apart from package harness so that the core builds and runs
// without Docker. The wiring:
//
//	harness ──127.0.0.1──▶ sut ──▶ toxiproxy:8666 ──▶ provider:12111
//	                        ▲                              │
//	                        └──── toxiproxy:8667 ◀─────────┘ webhooks
//
// The provider, Toxiproxy and the SUT reach each other by alias on the
// "back" network, which is internal: nothing on it reaches out. The SUT's
// port is published through a "front" network of its own, those of the
// provider and Toxiproxy through a "ctl" network, every one bound to
// 127.0.0.1. A partition takes the SUT off the back network: customers
// still reach it, while it reaches neither the provider nor its webhooks.
//
// Nothing is ever pulled. Images are built from this module's sources
// (EnsureImages) and Ryuk is off. Every container and network carries the
// labels paychaos=1 and paychaos.run=<run id>; New sweeps what runs that
// died left behind, Close what this run left.
package containers
