package fakeprovider

import (
	"fmt"
	"net/http"
)

// Stripe error types.
const (
	errAPI            = "api_error"
	errCard           = "card_error"
	errIdempotency    = "idempotency_error"
	errInvalidRequest = "invalid_request_error"
)

// apiError is a Stripe error ({"error":{...}}) with its HTTP status. It is
// also what a PaymentIntent keeps as last_payment_error.
type apiError struct {
	status      int
	typ         string
	code        string
	declineCode string
	message     string
	param       string
	chargeID    string
	pmID        string    // rendered as error.payment_method
	pmCard      *testCard // the test card behind pmID
	pi          *paymentIntent
	// save says whether the idempotency layer keeps this answer. Stripe
	// does not save validation failures: a corrected retry must run.
	save bool
}

func (e *apiError) Error() string { return e.message }

func docURL(code string) string {
	if code == "" {
		return ""
	}
	return "https://stripe.com/docs/error-codes/" + dashes(code)
}

func dashes(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

// appendErrorObject appends the inner error object. withPI embeds the
// PaymentIntent (for envelopes; last_payment_error does not).
func (p *Provider) appendErrorObject(b []byte, e *apiError, withPI bool, reqID string) []byte {
	b = append(b, `{"type":`...)
	b = appendStr(b, e.typ)
	if e.chargeID != "" {
		b = appendKey(b, "charge")
		b = appendStr(b, e.chargeID)
	}
	if e.code != "" {
		b = appendKey(b, "code")
		b = appendStr(b, e.code)
	}
	if e.declineCode != "" {
		b = appendKey(b, "decline_code")
		b = appendStr(b, e.declineCode)
	}
	if d := docURL(e.code); d != "" {
		b = appendKey(b, "doc_url")
		b = appendStr(b, d)
	}
	b = appendKey(b, "message")
	b = appendStr(b, e.message)
	if e.param != "" {
		b = appendKey(b, "param")
		b = appendStr(b, e.param)
	}
	if withPI && e.pi != nil {
		b = appendKey(b, "payment_intent")
		b = p.appendPI(b, e.pi, 0)
	}
	if e.pmID != "" {
		b = appendKey(b, "payment_method")
		b = appendPaymentMethod(b, e.pmID, e.pmCard, 0)
	}
	if reqID != "" {
		b = appendKey(b, "request_log_url")
		b = append(b, `"https://dashboard.stripe.com/test/logs/`...)
		b = append(b, reqID...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// renderError renders e as a response body.
func (p *Provider) renderError(e *apiError, reqID string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"error":`...)
	b = p.appendErrorObject(b, e, true, reqID)
	return append(b, '}')
}

// Error constructors. Validation errors are not saved under an
// idempotency key; errors decided by the endpoint's logic are.

// invalidParam is a bad value. Stripe sends no code for most of these
// (its code list has no generic "invalid"), only the param and message.
func invalidParam(param, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: param, message: msg}
}

// exclusiveParams is Stripe's answer to two parameters that exclude each
// other.
func exclusiveParams(a, b string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameters_exclusive", param: b,
		message: "You may only specify one of these parameters: " + a + ", " + b + "."}
}

// emptyParam is Stripe's answer to an empty value for a parameter that
// cannot be unset.
func emptyParam(param string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_invalid_empty", param: param,
		message: "You passed an empty string for '" + param + "'. We assume empty values are an attempt to unset a parameter; however '" + param + "' cannot be unset. You should remove '" + param + "' from your request or supply a non-empty value."}
}

func missingParam(param string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_missing", param: param,
		message: "Missing required param: " + param + "."}
}

func unknownParam(param string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_unknown", param: param,
		message: "Received unknown parameter: " + param}
}

func invalidInteger(param, v string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_invalid_integer", param: param,
		message: fmt.Sprintf("Invalid integer: %s", truncateForMsg(v))}
}

func invalidBoolean(param, v string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: param,
		message: fmt.Sprintf("Invalid boolean: %s", truncateForMsg(v))}
}

func resourceMissing(kind, param, id string) *apiError {
	return &apiError{status: http.StatusNotFound, typ: errInvalidRequest, code: "resource_missing", param: param,
		message: fmt.Sprintf("No such %s: '%s'", kind, truncateForMsg(id)), save: true}
}

func unexpectedState(pi *paymentIntent, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "payment_intent_unexpected_state",
		message: msg, pi: pi, save: true}
}

func unknownRoute(method, path string) *apiError {
	return &apiError{status: http.StatusNotFound, typ: errInvalidRequest,
		message: fmt.Sprintf("Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.", method, truncateForMsg(path))}
}
