package money

import (
	"sort"
	"strings"
)

// Currency is an ISO 4217 currency as Lodestone uses it: the code, the number of
// minor-unit digits (2 for cents, 0 for the yen, 3 for the Bahraini fils), the sign
// amounts are shown with, and the signs people write it with in spreadsheets.
type Currency struct {
	Code     string
	Exponent int
	// Symbol prefixes displayed amounts; empty: the code and a space do.
	Symbol string
	// Signs are what an amount in a file may carry besides the code: the symbol and
	// the shorter signs several currencies share ("$" for every dollar).
	Signs []string
}

// DefaultCode is the currency of a workspace that never chose one: amounts had two
// decimals before the setting existed, and the documentation wrote them in dollars.
const DefaultCode = "USD"

// currencies are the ISO 4217 currencies Lodestone knows, with their exponents as ISO
// 4217 gives them. A workspace picks one of these.
var currencies = index([]Currency{
	{"USD", 2, "$", []string{"$", "US$"}},
	{"EUR", 2, "€", []string{"€"}},
	{"GBP", 2, "£", []string{"£"}},
	{"JPY", 0, "¥", []string{"¥", "￥", "円"}},
	{"CNY", 2, "CN¥", []string{"¥", "￥", "CN¥", "元"}},
	{"CHF", 2, "", nil},
	{"CAD", 2, "CA$", []string{"$", "CA$", "C$"}},
	{"AUD", 2, "A$", []string{"$", "A$", "AU$"}},
	{"NZD", 2, "NZ$", []string{"$", "NZ$"}},
	{"HKD", 2, "HK$", []string{"$", "HK$"}},
	{"SGD", 2, "S$", []string{"$", "S$"}},
	{"MXN", 2, "MX$", []string{"$", "MX$"}},
	{"TWD", 2, "NT$", []string{"$", "NT$"}},
	{"BRL", 2, "R$", []string{"R$"}},
	{"INR", 2, "₹", []string{"₹", "Rs"}},
	{"KRW", 0, "₩", []string{"₩"}},
	{"SEK", 2, "", []string{"kr"}},
	{"NOK", 2, "", []string{"kr"}},
	{"DKK", 2, "", []string{"kr"}},
	{"ISK", 0, "", []string{"kr"}},
	{"PLN", 2, "", []string{"zł"}},
	{"CZK", 2, "", []string{"Kč"}},
	{"HUF", 2, "", []string{"Ft"}},
	{"RON", 2, "", []string{"lei"}},
	{"BGN", 2, "", []string{"лв"}},
	{"TRY", 2, "₺", []string{"₺"}},
	{"RUB", 2, "₽", []string{"₽"}},
	{"UAH", 2, "₴", []string{"₴"}},
	{"ILS", 2, "₪", []string{"₪"}},
	{"ZAR", 2, "", []string{"R"}},
	{"NGN", 2, "₦", []string{"₦"}},
	{"KES", 2, "", []string{"KSh"}},
	{"EGP", 2, "", []string{"E£"}},
	{"AED", 2, "", nil},
	{"SAR", 2, "", nil},
	{"QAR", 2, "", nil},
	{"THB", 2, "฿", []string{"฿"}},
	{"PHP", 2, "₱", []string{"₱"}},
	{"MYR", 2, "", []string{"RM"}},
	{"IDR", 2, "", []string{"Rp"}},
	{"VND", 0, "₫", []string{"₫"}},
	{"ARS", 2, "", []string{"$"}},
	{"CLP", 0, "", []string{"$"}},
	{"COP", 2, "", []string{"$"}},
	{"PEN", 2, "", []string{"S/"}},
	{"PYG", 0, "", []string{"₲"}},
	{"UYU", 2, "", []string{"$"}},
	{"UGX", 0, "", nil},
	{"RWF", 0, "", nil},
	{"XAF", 0, "", nil},
	{"XOF", 0, "", nil},
	{"XPF", 0, "", nil},
	{"VUV", 0, "", nil},
	{"BHD", 3, "", nil},
	{"KWD", 3, "", nil},
	{"OMR", 3, "", nil},
	{"JOD", 3, "", nil},
	{"TND", 3, "", nil},
	{"LYD", 3, "", nil},
	{"IQD", 3, "", nil},
})

func index(list []Currency) map[string]Currency {
	m := make(map[string]Currency, len(list))
	for _, c := range list {
		m[c.Code] = c
	}
	return m
}

// Lookup finds a currency by its ISO 4217 code, in any case.
func Lookup(code string) (Currency, bool) {
	c, ok := currencies[strings.ToUpper(strings.TrimSpace(code))]
	return c, ok
}

// Default is the currency of a workspace that never chose one.
func Default() Currency { return currencies[DefaultCode] }

// Codes lists the known codes in alphabetical order, for a choice on a form.
func Codes() []string {
	out := make([]string, 0, len(currencies))
	for code := range currencies {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}

// Names reports whether a sign or a code written beside an amount ("$", "usd", "€")
// names this currency.
func (c Currency) Names(mark string) bool {
	if strings.EqualFold(mark, c.Code) {
		return true
	}
	for _, s := range c.Signs {
		if strings.EqualFold(mark, s) {
			return true
		}
	}
	return false
}

// Known reports whether a sign or a code names some currency Lodestone knows, and the
// code of the first it finds: a file's "£" in a dollar workspace is a currency mark,
// not a typo.
func Known(mark string) (string, bool) {
	if c, ok := Lookup(mark); ok && len(strings.TrimSpace(mark)) == 3 {
		return c.Code, true
	}
	for _, code := range Codes() {
		if currencies[code].Names(mark) {
			return code, true
		}
	}
	return "", false
}

// Of is the currency of a stored code: an empty or unknown one (written by hand into
// the database) is the default, whose two decimals every amount had before a workspace
// could choose its currency.
func Of(code string) Currency {
	if c, ok := Lookup(code); ok {
		return c
	}
	return Default()
}
