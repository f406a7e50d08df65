// Package load is open-loop load as a load tool measures it: arrivals on a
// schedule that does not wait for the SUT (constant, ramp, step, spike),
// and latency counted from when each request was due, not from when the
// harness managed to send it, so that a stalled SUT cannot stall the clock
// that judges it (coordinated omission). Percentiles come from a
// log-linear histogram of bounded relative error.
package load
