package web

import (
	"math"
	"math/big"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/money"
)

// Amounts formatted for a page are written in the request's currency when the page is
// rendered; anything else between the marks is left alone.
func TestShowMoney(t *testing.T) {
	usd, jpy := money.Default(), money.Of("JPY")
	tests := []struct {
		page string
		cur  money.Currency
		want string
	}{
		{"no money here", usd, "no money here"},
		{"<td>" + formatMoney(125050) + "</td>", usd, "<td>$1,250.50</td>"},
		{"<td>" + formatMoney(125050) + "</td>", jpy, "<td>¥125,050</td>"},
		{formatMoney(-325) + " and " + formatMoney(0), usd, "-$3.25 and $0.00"},
		{formatMoney(math.MinInt64), usd, "-$92,233,720,368,547,758.08"},
		{formatBigMoney(new(big.Int).Lsh(big.NewInt(1), 70)), usd, "$11,805,916,207,174,113,034.24"},
		{formatBigMoney(nil), usd, "—"},
		// Marks typed by someone rather than written by formatMoney.
		{"\ue000abc\ue001", usd, "\ue000abc\ue001"},
		{"\ue00012", usd, "\ue00012"},
		{"\ue000\ue001" + formatMoney(1), usd, "\ue000\ue001$0.01"},
		{"\ue000-\ue001", usd, "\ue000-\ue001"},
		// A lead's name with digits between the marks stays text: it lacks the key.
		{"Paid \ue00099999900\ue001", usd, "Paid \ue00099999900\ue001"},
		{"\ue000\ue100\ue101100\ue001", usd, "\ue000\ue100\ue101100\ue001"},
	}
	for _, tt := range tests {
		if got := string(showMoney([]byte(tt.page), tt.cur)); got != tt.want {
			t.Errorf("showMoney(%q, %s) = %q, want %q", tt.page, tt.cur.Code, got, tt.want)
		}
	}
}
