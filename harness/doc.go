// Package harness is paychaos's entry point: an Env wires the fake
// provider, Toxiproxy and the system under test together, and Env.Run
// takes one Scenario through the pipeline
//
//	warm up → inject → hold → recover → settle → reconcile → check → save
//
// where each step is one call into the package that owns it: traffic,
// fault, sut, check, history. A run returns an error only when the harness
// could not do its job; invariant violations are data in the Result.
package harness
