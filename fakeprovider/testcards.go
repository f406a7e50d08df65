package fakeprovider

// outcome is what confirming a payment with a test card leads to.
type outcome uint8

const (
	outcomeSucceed        outcome = iota + 1
	outcomeDecline                // 402 card_error, back to requires_payment_method
	outcomeAction                 // requires_action (3-D Secure)
	outcomeProcessing             // processing, settles later to success
	outcomeProcessingFail         // processing, settles later to a decline
)

// testCard is a test PaymentMethod and the outcome it forces.
type testCard struct {
	id                    string
	brand, last4, funding string
	country               string
	outcome               outcome
	code, declineCode     string
	message               string
	// refundFails makes refunds of its charges end in failed.
	refundFails bool
}

// Decline messages, as Stripe writes them.
const (
	msgDeclined          = "Your card was declined."
	msgInsufficientFunds = "Your card has insufficient funds."
	msgExpired           = "Your card has expired."
	msgIncorrectCVC      = "Your card's security code is incorrect."
	msgProcessingError   = "An error occurred while processing your card. Try again in a little bit."
	msgAuthRequired      = "Your card was declined. This transaction requires authentication."
)

// testCards maps Stripe's test PaymentMethod ids to outcomes
// (docs.stripe.com/testing). pm_card_processing and
// pm_card_processingDeclined are this provider's own: Stripe has no card
// that stays in processing, but an integration must still handle it.
var testCards = func() map[string]*testCard {
	visa := func(id string, o outcome, code, decline, msg string) *testCard {
		return &testCard{id: id, brand: "visa", last4: "0002", funding: "credit", country: "US", outcome: o, code: code, declineCode: decline, message: msg}
	}
	cards := []*testCard{
		{id: "pm_card_visa", brand: "visa", last4: "4242", funding: "credit", country: "US", outcome: outcomeSucceed},
		{id: "pm_card_visa_debit", brand: "visa", last4: "5556", funding: "debit", country: "US", outcome: outcomeSucceed},
		{id: "pm_card_mastercard", brand: "mastercard", last4: "4444", funding: "credit", country: "US", outcome: outcomeSucceed},
		{id: "pm_card_amex", brand: "amex", last4: "8431", funding: "credit", country: "US", outcome: outcomeSucceed},
		{id: "pm_card_bypassPending", brand: "visa", last4: "0077", funding: "credit", country: "US", outcome: outcomeSucceed},
		{id: "pm_card_refundFail", brand: "visa", last4: "5126", funding: "credit", country: "US", outcome: outcomeSucceed, refundFails: true},
		visa("pm_card_chargeDeclined", outcomeDecline, "card_declined", "generic_decline", msgDeclined),
		visa("pm_card_visa_chargeDeclined", outcomeDecline, "card_declined", "generic_decline", msgDeclined),
		visa("pm_card_chargeCustomerFail", outcomeDecline, "card_declined", "generic_decline", msgDeclined),
		visa("pm_card_visa_chargeDeclinedInsufficientFunds", outcomeDecline, "card_declined", "insufficient_funds", msgInsufficientFunds),
		visa("pm_card_chargeDeclinedInsufficientFunds", outcomeDecline, "card_declined", "insufficient_funds", msgInsufficientFunds),
		visa("pm_card_visa_chargeDeclinedLostCard", outcomeDecline, "card_declined", "lost_card", msgDeclined),
		visa("pm_card_chargeDeclinedLostCard", outcomeDecline, "card_declined", "lost_card", msgDeclined),
		visa("pm_card_visa_chargeDeclinedStolenCard", outcomeDecline, "card_declined", "stolen_card", msgDeclined),
		visa("pm_card_chargeDeclinedStolenCard", outcomeDecline, "card_declined", "stolen_card", msgDeclined),
		visa("pm_card_chargeDeclinedFraudulent", outcomeDecline, "card_declined", "fraudulent", msgDeclined),
		visa("pm_card_visa_chargeDeclinedFraudulent", outcomeDecline, "card_declined", "fraudulent", msgDeclined),
		visa("pm_card_chargeDeclinedExpiredCard", outcomeDecline, "expired_card", "expired_card", msgExpired),
		visa("pm_card_visa_chargeDeclinedExpiredCard", outcomeDecline, "expired_card", "expired_card", msgExpired),
		visa("pm_card_chargeDeclinedIncorrectCvc", outcomeDecline, "incorrect_cvc", "incorrect_cvc", msgIncorrectCVC),
		visa("pm_card_visa_chargeDeclinedIncorrectCvc", outcomeDecline, "incorrect_cvc", "incorrect_cvc", msgIncorrectCVC),
		visa("pm_card_chargeDeclinedProcessingError", outcomeDecline, "processing_error", "processing_error", msgProcessingError),
		visa("pm_card_visa_chargeDeclinedProcessingError", outcomeDecline, "processing_error", "processing_error", msgProcessingError),
		visa("pm_card_visa_chargeDeclinedVelocityLimitExceeded", outcomeDecline, "card_declined", "card_velocity_exceeded", msgDeclined),
		{id: "pm_card_authenticationRequired", brand: "visa", last4: "3155", funding: "credit", country: "US", outcome: outcomeAction},
		{id: "pm_card_threeDSecure2Required", brand: "visa", last4: "3220", funding: "credit", country: "US", outcome: outcomeAction},
		{id: "pm_card_threeDSecureRequired", brand: "visa", last4: "3063", funding: "credit", country: "US", outcome: outcomeAction},
		{id: "pm_card_processing", brand: "visa", last4: "0101", funding: "credit", country: "US", outcome: outcomeProcessing},
		{id: "pm_card_processingDeclined", brand: "visa", last4: "0119", funding: "credit", country: "US", outcome: outcomeProcessingFail, code: "card_declined", declineCode: "generic_decline", message: msgDeclined},
	}
	m := make(map[string]*testCard, len(cards))
	for _, c := range cards {
		m[c.id] = c
	}
	return m
}()

// declineMessages gives the message for a decline code forced by a fault.
func declineMessage(code string) string {
	switch code {
	case "insufficient_funds":
		return msgInsufficientFunds
	case "expired_card":
		return msgExpired
	case "incorrect_cvc":
		return msgIncorrectCVC
	case "processing_error":
		return msgProcessingError
	case "authentication_required":
		return msgAuthRequired
	default:
		return msgDeclined
	}
}

// errorCodeForDecline maps a decline code to the error code Stripe pairs it
// with: most declines are card_declined, a few have their own code.
func errorCodeForDecline(decline string) string {
	switch decline {
	case "expired_card", "incorrect_cvc", "processing_error", "authentication_required":
		return decline
	default:
		return "card_declined"
	}
}
