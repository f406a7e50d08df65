package check

import (
	"fmt"
	"strconv"
	"strings"
)

// invalidDelivery names the provider's webhook faults that make a
// delivery one the SUT must refuse (webhook-authenticity's business): a
// wrong signature, a stale timestamp, another API version.
var invalidDelivery = []string{"webhook_bad_signature", "webhook_stale", "webhook_api_version"}

// webhooksAccepted: the SUT takes the provider's genuine events. A
// service that refuses every valid delivery (a tolerance in the wrong
// unit, a wrong secret) looks healthy while its reconciler repairs what
// the events should have told it, and the provider eventually gives up on
// the endpoint.
//
// Rule: for every event the provider delivered, correctly signed and
// fresh, to an endpoint, and that endpoint answered with an HTTP status,
// some attempt was answered 2xx. An event answered only with errors
// (4xx, 5xx) is a violation, with its id and the statuses as evidence;
// attempts that got no answer (a network fault, a crash) are not judged.
type webhooksAccepted struct{}

func (webhooksAccepted) Name() string              { return "webhooks-accepted" }
func (c webhooksAccepted) Check(in *Input) Verdict { return c.checkInput(in) }

func (c webhooksAccepted) checkInput(in *Input) Verdict {
	type delivery struct{ event, endpoint string }
	type tally struct {
		accepted bool
		statuses []int
	}
	tallies := map[delivery]*tally{}
	var order []delivery
	for _, d := range in.Ledger.Deliveries {
		if d.Status == 0 || !validDelivery(d.Fault) {
			continue
		}
		k := delivery{d.EventID, d.Endpoint}
		t := tallies[k]
		if t == nil {
			t = &tally{}
			tallies[k] = t
			order = append(order, k)
		}
		if d.Status >= 200 && d.Status < 300 {
			t.accepted = true
		} else if len(t.statuses) < 8 {
			t.statuses = append(t.statuses, d.Status)
		}
	}
	if len(order) == 0 {
		return skip(c.Name(), "no valid webhook delivery was answered")
	}
	f := finding{name: c.Name()}
	for _, k := range order {
		t := tallies[k]
		if t.accepted {
			continue
		}
		codes := make([]string, len(t.statuses))
		for i, s := range t.statuses {
			codes[i] = strconv.Itoa(s)
		}
		f.violation(0, "%s to %s answered %s", k.event, k.endpoint, strings.Join(codes, ", "))
		f.ledgerIDs(k.event)
	}
	return f.verdict(
		fmt.Sprintf("%s of %d validly signed never accepted", plural(f.n, "event"), len(order)),
		fmt.Sprintf("%s validly signed, each accepted", plural(len(order), "event")))
}

// validDelivery reports whether a delivery, given the faults that acted
// on it (comma-separated), carried a genuine, fresh, signed event.
func validDelivery(faults string) bool {
	for _, name := range strings.Split(faults, ",") {
		for _, bad := range invalidDelivery {
			if strings.TrimSpace(name) == bad {
				return false
			}
		}
	}
	return true
}
