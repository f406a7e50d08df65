// Package reports turns a run's Ginkgo JSON report into what people and
// pipelines read: a self-contained HTML page, a Markdown summary sized for a
// pull-request comment, JUnit XML for CI test reporters and a versioned JSON
// model. It also compares a run with a baseline and decides the exit code a
// pipeline gates on.
//
// The flow is ReadGinkgo (or Load, which streams) → FromGinkgo → optionally
// WithBaseline or WithBaselines → WriteAll. A scenario's status is always
// derived from its verdicts; the headline leads with the money at risk and
// the worst violated invariant. Every scenario spec attaches a
// harness.Result under harness.ReportEntryName; specs without one (skipped,
// pending, failed before running) still appear with their Ginkgo state and
// message.
//
// The model is documented in README.md beside this file, with the score and
// the exit codes.
package reports
