package fakeprovider

import "strings"

// expansion is the set of expand[] paths a request asked for: the
// fields of the object itself in the low byte, those of the objects it
// expands in the next (sub), and so on, to Stripe's four levels. Sibling
// objects share a level; their fields have distinct names, so each takes
// only what was asked of it.
type expansion uint32

const (
	expandLatestCharge expansion = 1 << iota
	expandPaymentMethod
	expandPaymentIntent
	expandCharge
	expandBalanceTransaction
)

// What each object the provider renders can expand.
const (
	piExpandable     = expandLatestCharge | expandPaymentMethod
	chargeExpandable = expandPaymentIntent | expandBalanceTransaction
	refundExpandable = expandCharge | expandPaymentIntent | expandBalanceTransaction
)

// sub is what the objects x expands expand in turn.
func (x expansion) sub() expansion { return x >> 8 }

// expandable names each field and what the object it holds can expand.
var expandable = [...]struct {
	name      string
	bit, next expansion
}{
	{"latest_charge", expandLatestCharge, chargeExpandable},
	{"payment_method", expandPaymentMethod, 0},
	{"payment_intent", expandPaymentIntent, piExpandable},
	{"charge", expandCharge, chargeExpandable},
	{"balance_transaction", expandBalanceTransaction, 0},
}

// parseExpansion reads one dotted path for an object that can expand
// allowed.
func parseExpansion(path string, allowed expansion) (expansion, bool) {
	var x expansion
	shift := 0
	for seg := range strings.SplitSeq(path, ".") {
		if shift >= 32 {
			return 0, false // deeper than Stripe's four levels
		}
		var bit, next expansion
		for _, e := range expandable {
			if e.name == seg {
				bit, next = e.bit, e.next
				break
			}
		}
		if bit == 0 || allowed&bit == 0 {
			return 0, false
		}
		x |= bit << shift
		allowed = next
		shift += 8
	}
	return x, true
}

// appendPI appends a PaymentIntent in Stripe's wire shape.
func (p *Provider) appendPI(b []byte, pi *paymentIntent, exp expansion) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, pi.id)
	b = append(b, `,"object":"payment_intent","amount":`...)
	b = appendInt(b, pi.amount)
	b = append(b, `,"amount_capturable":`...)
	b = appendInt(b, pi.amountCapturable)
	b = append(b, `,"amount_received":`...)
	b = appendInt(b, pi.amountReceived)
	b = append(b, `,"application":null,"application_fee_amount":`...)
	b = appendConnectFee(b, pi.x)
	b = append(b, `,"automatic_payment_methods":`...)
	if pi.apm {
		if pi.redirectsNever {
			b = append(b, `{"allow_redirects":"never","enabled":true}`...)
		} else {
			b = append(b, `{"allow_redirects":"always","enabled":true}`...)
		}
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"canceled_at":`...)
	b = appendIntOrNull(b, pi.canceledAt)
	b = append(b, `,"cancellation_reason":`...)
	b = appendStrOrNull(b, pi.x.cancellationReason)
	b = append(b, `,"capture_method":`...)
	b = appendStr(b, pi.captureMethod)
	b = append(b, `,"client_secret":"`...)
	b = p.appendClientSecret(b, pi.id)
	b = append(b, '"')
	if pi.manualConfirm {
		b = append(b, `,"confirmation_method":"manual"`...)
	} else {
		b = append(b, `,"confirmation_method":"automatic"`...)
	}
	b = append(b, `,"created":`...)
	b = appendInt(b, pi.created())
	b = append(b, `,"currency":`...)
	b = appendStr(b, pi.currency)
	b = append(b, `,"customer":`...)
	b = appendStrOrNull(b, pi.x.customer)
	b = append(b, `,"description":`...)
	b = appendStrOrNull(b, pi.x.description)
	b = append(b, `,"last_payment_error":`...)
	if pi.lastError != nil {
		b = p.appendErrorObject(b, pi.lastError, false, "")
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"latest_charge":`...)
	switch {
	case pi.latestCharge == nil:
		b = append(b, "null"...)
	case exp&expandLatestCharge != 0:
		b = p.appendCharge(b, pi.latestCharge, exp.sub())
	default:
		b = appendStr(b, pi.latestCharge.id)
	}
	b = append(b, `,"livemode":false,"metadata":`...)
	b = appendMetadata(b, pi.metadata)
	b = append(b, `,"next_action":`...)
	switch pi.nextAction {
	case actionNone:
		b = append(b, "null"...)
	case actionRedirect:
		b = append(b, `{"redirect_to_url":{"return_url":`...)
		b = appendStr(b, pi.x.returnURL)
		b = append(b, `,"url":"https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_paychaos&payment_intent=`...)
		b = append(b, pi.id...)
		b = append(b, `"},"type":"redirect_to_url"}`...)
	default:
		b = append(b, `{"type":"use_stripe_sdk","use_stripe_sdk":{"type":"three_d_secure_redirect","stripe_js":"https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=`...)
		b = append(b, pi.id...)
		b = append(b, `"}}`...)
	}
	b = append(b, `,"on_behalf_of":`...)
	b = appendStrOrNull(b, pi.x.onBehalfOf)
	b = append(b, `,"payment_method":`...)
	switch {
	case pi.paymentMethod == "":
		b = append(b, "null"...)
	case exp&expandPaymentMethod != 0:
		b = appendPaymentMethod(b, pi.paymentMethod, pi.pmCard, pi.created())
	default:
		b = appendStr(b, pi.paymentMethod)
	}
	b = append(b, `,"payment_method_configuration_details":null,"payment_method_types":`...)
	b = appendStrList(b, pi.pmTypes)
	b = append(b, `,"processing":null,"receipt_email":`...)
	b = appendStrOrNull(b, pi.x.receiptEmail)
	b = append(b, `,"review":null,"setup_future_usage":`...)
	b = appendStrOrNull(b, pi.x.setupFutureUsage)
	b = append(b, `,"shipping":null,"statement_descriptor":`...)
	b = appendStrOrNull(b, pi.x.statementDesc)
	b = append(b, `,"statement_descriptor_suffix":`...)
	b = appendStrOrNull(b, pi.x.statementSuffix)
	b = append(b, `,"status":`...)
	b = appendStr(b, pi.status)
	b = appendConnectTransfer(b, pi.x)
	return append(b, '}')
}

// appendConnectFee appends a PaymentIntent's or charge's
// application_fee_amount, or null.
func appendConnectFee(b []byte, x *piExtra) []byte {
	if !x.hasAppFee {
		return append(b, "null"...)
	}
	return appendInt(b, x.appFee)
}

// appendConnectTransfer appends the transfer_data and transfer_group
// fields of a PaymentIntent or charge.
func appendConnectTransfer(b []byte, x *piExtra) []byte {
	b = append(b, `,"transfer_data":`...)
	if x.transferDest != "" {
		b = append(b, `{"destination":`...)
		b = appendStr(b, x.transferDest)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"transfer_group":`...)
	return appendStrOrNull(b, x.transferGroup)
}

// appendCharge appends a Charge. payment_method is a plain id: stripe-go
// decodes it into a string.
func (p *Provider) appendCharge(b []byte, ch *charge, exp expansion) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, ch.id)
	b = append(b, `,"object":"charge","amount":`...)
	b = appendInt(b, ch.amount)
	b = append(b, `,"amount_captured":`...)
	b = appendInt(b, ch.amountCaptured)
	b = append(b, `,"amount_refunded":`...)
	b = appendInt(b, ch.amountRefunded)
	b = append(b, `,"application":null,"application_fee":null,"application_fee_amount":`...)
	b = appendConnectFee(b, ch.pi.x)
	b = append(b, `,"balance_transaction":`...)
	if exp&expandBalanceTransaction != 0 && ch.hasTxn {
		b = appendBalanceTxn(b, ch.id, ch.amountCaptured, ch.currency, ch.created, "charge")
	} else {
		b = appendTxn(b, ch.hasTxn, ch.id)
	}
	b = append(b, `,"billing_details":{"address":{"city":null,"country":null,"line1":null,"line2":null,"postal_code":null,"state":null},"email":null,"name":null,"phone":null},"calculated_statement_descriptor":"PAYCHAOS","captured":`...)
	b = appendBool(b, ch.captured)
	b = append(b, `,"created":`...)
	b = appendInt(b, ch.created)
	b = append(b, `,"currency":`...)
	b = appendStr(b, ch.currency)
	b = append(b, `,"customer":`...)
	b = appendStrOrNull(b, ch.customer)
	b = append(b, `,"description":`...)
	b = appendStrOrNull(b, ch.description)
	b = append(b, `,"disputed":false,"failure_balance_transaction":null,"failure_code":`...)
	b = appendStrOrNull(b, ch.failureCode)
	b = append(b, `,"failure_message":`...)
	b = appendStrOrNull(b, ch.failureMessage)
	b = append(b, `,"fraud_details":{},"livemode":false,"metadata":`...)
	b = appendMetadata(b, ch.metadata)
	b = append(b, `,"on_behalf_of":`...)
	b = appendStrOrNull(b, ch.pi.x.onBehalfOf)
	b = append(b, `,"outcome":`...)
	b = appendOutcome(b, ch)
	b = append(b, `,"paid":`...)
	b = appendBool(b, ch.paid)
	b = append(b, `,"payment_intent":`...)
	if exp&expandPaymentIntent != 0 {
		b = p.appendPI(b, ch.pi, exp.sub())
	} else {
		b = appendStr(b, ch.pi.id)
	}
	b = append(b, `,"payment_method":`...)
	b = appendStr(b, ch.pmID)
	b = append(b, `,"payment_method_details":{"card":`...)
	b = appendCard(b, ch.card)
	b = append(b, `,"type":"card"},"receipt_email":`...)
	b = appendStrOrNull(b, ch.receiptEmail)
	b = append(b, `,"receipt_url":`...)
	if ch.paid {
		b = append(b, `"https://pay.stripe.com/receipts/payment/`...)
		b = append(b, ch.id...)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"refunded":`...)
	b = appendBool(b, ch.refunded)
	b = append(b, `,"review":null,"shipping":null,"statement_descriptor":null,"statement_descriptor_suffix":null,"status":`...)
	b = appendStr(b, ch.status)
	b = appendConnectTransfer(b, ch.pi.x)
	return append(b, '}')
}

func appendOutcome(b []byte, ch *charge) []byte {
	if ch.status != "failed" {
		return append(b, `{"network_status":"approved_by_network","reason":null,"risk_level":"normal","risk_score":12,"seller_message":"Payment complete.","type":"authorized"}`...)
	}
	b = append(b, `{"network_status":"declined_by_network","reason":`...)
	b = appendStr(b, ch.declineCode)
	b = append(b, `,"risk_level":"normal","risk_score":12,"seller_message":"The bank returned the decline code `...)
	b = append(b, '`')
	b = append(b, ch.declineCode...)
	b = append(b, "`.\",\"type\":\"issuer_declined\"}"...)
	return b
}

// appendCard appends the card details of a test card as a charge's
// payment_method_details.card shows them.
func appendCard(b []byte, c *testCard) []byte {
	b = appendCardDetails(b, c)
	b = append(b, `,"network":`...)
	b = appendStr(b, c.brand)
	return append(b, '}')
}

// appendPMCard appends a test card as a PaymentMethod's card shows it: the
// networks it can use instead of the one a payment used.
func appendPMCard(b []byte, c *testCard) []byte {
	b = appendCardDetails(b, c)
	b = append(b, `,"networks":{"available":[`...)
	b = appendStr(b, c.brand)
	return append(b, `],"preferred":null}}`...)
}

// appendCardDetails appends what both shapes of a card share, leaving the
// object open.
func appendCardDetails(b []byte, c *testCard) []byte {
	b = append(b, `{"brand":`...)
	b = appendStr(b, c.brand)
	b = append(b, `,"checks":{"address_line1_check":null,"address_postal_code_check":null,"cvc_check":"pass"},"country":`...)
	b = appendStr(b, c.country)
	b = append(b, `,"exp_month":12,"exp_year":2034,"fingerprint":"pcFp`...)
	b = append(b, c.last4...)
	b = append(b, `","funding":`...)
	b = appendStr(b, c.funding)
	b = append(b, `,"last4":`...)
	return appendStr(b, c.last4)
}

// appendPaymentMethod appends a card PaymentMethod object.
func appendPaymentMethod(b []byte, id string, c *testCard, created int64) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, id)
	b = append(b, `,"object":"payment_method","billing_details":{"address":{"city":null,"country":null,"line1":null,"line2":null,"postal_code":null,"state":null},"email":null,"name":null,"phone":null}`...)
	if c != nil {
		b = append(b, `,"card":`...)
		b = appendPMCard(b, c)
	}
	b = append(b, `,"created":`...)
	b = appendInt(b, created)
	b = append(b, `,"customer":null,"livemode":false,"metadata":{},"type":"card"}`...)
	return b
}

// appendRefund appends a Refund.
func (p *Provider) appendRefund(b []byte, re *refund, exp expansion) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, re.id)
	b = append(b, `,"object":"refund","amount":`...)
	b = appendInt(b, re.amount)
	b = append(b, `,"balance_transaction":`...)
	if exp&expandBalanceTransaction != 0 && re.hasTxn {
		b = appendBalanceTxn(b, re.id, -re.amount, re.currency, re.created, "refund")
	} else {
		b = appendTxn(b, re.hasTxn, re.id)
	}
	b = append(b, `,"charge":`...)
	if exp&expandCharge != 0 {
		b = p.appendCharge(b, re.charge, exp.sub())
	} else {
		b = appendStr(b, re.charge.id)
	}
	b = append(b, `,"created":`...)
	b = appendInt(b, re.created)
	b = append(b, `,"currency":`...)
	b = appendStr(b, re.currency)
	// destination_details says where the money goes (back to the card,
	// once the refund is not pending); failure_reason is absent, never
	// null, when there is nothing to say.
	if re.status == "pending" {
		b = append(b, `,"destination_details":{"card":{"type":"pending"},"type":"card"}`...)
	} else {
		b = append(b, `,"destination_details":{"card":{"type":"refund"},"type":"card"}`...)
	}
	if re.failureReason != "" {
		b = append(b, `,"failure_reason":`...)
		b = appendStr(b, re.failureReason)
	}
	b = append(b, `,"metadata":`...)
	b = appendMetadata(b, re.metadata)
	b = append(b, `,"payment_intent":`...)
	if exp&expandPaymentIntent != 0 {
		b = p.appendPI(b, re.charge.pi, exp.sub())
	} else {
		b = appendStr(b, re.charge.pi.id)
	}
	b = append(b, `,"reason":`...)
	b = appendStrOrNull(b, re.reason)
	b = append(b, `,"receipt_number":null,"source_transfer_reversal":null,"status":`...)
	b = appendStr(b, re.status)
	b = append(b, `,"transfer_reversal":null}`...)
	return b
}

// appendEvent appends an Event. apiVersion must carry the SDK's release
// train (clover for stripe-go v84) or webhook.ConstructEvent rejects it.
func appendEvent(b []byte, id string, ev *event, obj []byte, apiVersion string, pending int) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, id)
	b = append(b, `,"object":"event","api_version":`...)
	b = appendStr(b, apiVersion)
	b = append(b, `,"created":`...)
	b = appendInt(b, ev.created())
	b = append(b, `,"data":{"object":`...)
	b = append(b, obj...)
	b = append(b, `},"livemode":false,"pending_webhooks":`...)
	b = appendInt(b, int64(pending))
	b = append(b, `,"request":{"id":`...)
	b = appendStrOrNull(b, ev.reqID)
	b = append(b, `,"idempotency_key":`...)
	b = appendStrOrNull(b, ev.idemKey)
	b = append(b, `},"type":`...)
	b = appendStr(b, ev.typ)
	return append(b, '}')
}

// listResult renders a page of objects as Stripe's list envelope; each
// object takes about size bytes.
func listResult[T any](page []T, size int, hasMore bool, url string, appendOne func([]byte, T) []byte) *result {
	b := appendListHead(make([]byte, 0, size*len(page)+64))
	for i, x := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendOne(b, x)
	}
	return okResult(appendListTail(b, hasMore, url))
}

// appendListHead starts a list envelope; appendListTail ends it.
func appendListHead(b []byte) []byte {
	return append(b, `{"object":"list","data":[`...)
}

func appendListTail(b []byte, hasMore bool, url string) []byte {
	b = append(b, `],"has_more":`...)
	b = appendBool(b, hasMore)
	b = append(b, `,"url":`...)
	b = appendStr(b, url)
	return append(b, '}')
}

// appendClientSecret appends pi_…_secret_… for a PaymentIntent id. It is
// derived from the id, so nothing needs storing.
func (p *Provider) appendClientSecret(b []byte, id string) []byte {
	b = append(b, id...)
	b = append(b, "_secret_"...)
	// Ten base62 digits use 60 of a word's 64 bits: each ten come from a
	// word of their own, so none of the 24 runs out into zeros.
	salt := saltOf(id) ^ p.ids.seed
	var h uint64
	for i := 0; i < 24; i++ {
		if i%10 == 0 {
			h = mix64(salt + uint64(i))
		}
		b = append(b, base62[h%62])
		h /= 62
	}
	return b
}

func (p *Provider) clientSecret(id string) string { return string(p.appendClientSecret(nil, id)) }

// appendTxn appends the balance transaction id of a charge or refund
// (txn_ and the object id's suffix), or null.
func appendTxn(b []byte, has bool, id string) []byte {
	if !has {
		return append(b, "null"...)
	}
	b = append(b, `"txn_`...)
	b = append(b, id[strings.IndexByte(id, '_')+1:]...)
	return append(b, '"')
}

// appendBalanceTxn appends the balance transaction of a charge or refund
// (kind), expanded: no fees, available at once.
func appendBalanceTxn(b []byte, sourceID string, amount int64, currency string, created int64, kind string) []byte {
	b = append(b, `{"id":`...)
	b = appendTxn(b, true, sourceID)
	b = append(b, `,"object":"balance_transaction","amount":`...)
	b = appendInt(b, amount)
	b = append(b, `,"available_on":`...)
	b = appendInt(b, created)
	b = append(b, `,"balance_type":"payments","created":`...)
	b = appendInt(b, created)
	b = append(b, `,"currency":`...)
	b = appendStr(b, currency)
	b = append(b, `,"description":null,"exchange_rate":null,"fee":0,"fee_details":[],"net":`...)
	b = appendInt(b, amount)
	b = append(b, `,"reporting_category":`...)
	b = appendStr(b, kind)
	b = append(b, `,"source":`...)
	b = appendStr(b, sourceID)
	b = append(b, `,"status":"available","type":`...)
	b = appendStr(b, kind)
	return append(b, '}')
}
