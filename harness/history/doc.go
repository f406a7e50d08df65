// Package history records what every client of the system under test was
// told: one Op per request, with its three-valued outcome (ok, fail,
// unknown) and monotonic call and return times. A run's history is saved
// beside the provider's ledger and the SUT's final orders so that it can be
// checked again offline, long after the run.
//
// A saved run is a directory:
//
//	history.jsonl  a header line {"format":"paychaos-history/1","meta":{…}}, then one Op per line
//	ledger.json    the provider's fakeprovider.Snapshot
//	orders.json    the SUT's orders after settling ([]Order)
package history
