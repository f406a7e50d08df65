package fakeprovider

import (
	"fmt"
	"strings"
)

// currencies Stripe accepts for card payments, with the minimum charge
// amount in minor units where Stripe sets one above the default of 50
// (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
var currencies = func() map[string]int64 {
	m := map[string]int64{}
	for _, c := range strings.Fields(`usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd
		bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd
		hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt
		mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr
		sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw
		bhd jod kwd omr tnd`) {
		m[c] = 50
	}
	for c, v := range map[string]int64{"gbp": 30, "hkd": 400, "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "sek": 300,
		"dkk": 250, "czk": 1500, "huf": 17500, "pln": 200, "ron": 200, "sgd": 50, "aed": 200, "thb": 1000, "inr": 50} {
		m[c] = v
	}
	return m
}()

// zeroDecimal currencies have no minor unit.
var zeroDecimal = map[string]bool{"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true,
	"mga": true, "pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true}

// threeDecimal currencies have three decimals; Stripe takes their amounts
// only in multiples of ten minor units (the last digit zero).
var threeDecimal = map[string]bool{"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true}

// maxAmount is Stripe's upper bound for an amount (eight digits).
const maxAmount = 99999999

// formatAmount writes an amount as Stripe's messages do: $25.00 for USD,
// "25.00 eur" otherwise.
func formatAmount(amount int64, currency string) string {
	if zeroDecimal[currency] {
		return fmt.Sprintf("%d %s", amount, currency)
	}
	s := fmt.Sprintf("%d.%02d", amount/100, amount%100)
	if currency == "usd" {
		return "$" + s
	}
	return s + " " + currency
}

// checkAmount validates an amount for a currency.
func checkAmount(param string, amount int64, currency string) *apiError {
	if amount < 1 {
		return &apiError{status: 400, typ: errInvalidRequest, code: "parameter_invalid_integer", param: param,
			message: "This value must be greater than or equal to 1."}
	}
	if min := currencies[currency]; amount < min {
		return &apiError{status: 400, typ: errInvalidRequest, code: "amount_too_small", param: param,
			message: fmt.Sprintf("Amount must be at least %s", formatAmount(min, currency))}
	}
	if threeDecimal[currency] && amount%10 != 0 {
		return &apiError{status: 400, typ: errInvalidRequest, code: "parameter_invalid_integer", param: param,
			message: fmt.Sprintf("Amounts in %s must be a multiple of 10: the last of its three decimals must be 0.", currency)}
	}
	if amount > maxAmount {
		return &apiError{status: 400, typ: errInvalidRequest, code: "amount_too_large", param: param,
			message: fmt.Sprintf("Amount must be no more than %s", formatAmount(maxAmount, currency))}
	}
	return nil
}

// checkCurrency validates and normalises a currency code.
func checkCurrency(param, c string) (string, *apiError) {
	lc := strings.ToLower(c)
	if _, ok := currencies[lc]; !ok {
		return "", &apiError{status: 400, typ: errInvalidRequest, param: param,
			message: fmt.Sprintf("Invalid currency: %s. Stripe currently supports these currencies: usd, eur, gbp, jpy and others (see https://stripe.com/docs/currencies).", truncateForMsg(c))}
	}
	return lc, nil
}
