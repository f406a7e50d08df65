// Package scenarios holds paychaos's Ginkgo v2 scenarios as shared
// behaviours: PaymentResilience registers the whole suite against any
// system under test, so a team runs the same scenarios from its own suite
// against its own service. The default suite (scenarios_test.go) runs them
// against the reference shop.
package scenarios
