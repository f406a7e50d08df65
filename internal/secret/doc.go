// Package secret is paychaos's one definition of a secret: what counts as
// one in free text (a full card number, a Stripe secret or restricted key,
// a webhook signing secret, a control token) and how one is masked. The
// checker flags what Find finds, and the reports, the container logs and
// the fake provider hide it with Mask, so what is flagged and what is
// hidden cannot drift apart.
//
// It imports nothing of paychaos, so that the fake provider, which must
// not depend on the harness, uses it too.
package secret
