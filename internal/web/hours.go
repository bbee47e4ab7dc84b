package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

func validUTF8(s string) bool { return utf8.ValidString(s) }

// jsonHours reads hours spent as a number (3.5) or a decimal string ("3.5") into
// hundredths of an hour, so sums of hours stay exact.
type jsonHours struct {
	hundredths int64
	set        bool
	err        error
}

func (h *jsonHours) UnmarshalJSON(b []byte) error {
	h.set = true
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		h.set = false
		return nil
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			h.err = errs.Field("hours", "must be a number such as 3.5")
			return nil
		}
	} else {
		s = string(b)
	}
	if strings.TrimSpace(s) == "" {
		// "" is no hours, as a left-out field is: a cost entry still needs some.
		h.set = false
		return nil
	}
	n, err := parseHundredths(s)
	if err != nil {
		h.err = errs.Field("hours", "%s", err.Error())
		return nil
	}
	h.hundredths = n
	return nil
}

// parseHundredths reads a non-negative decimal with at most two places.
func parseHundredths(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 || len(whole) > 9 {
		return 0, errHours
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, errHours
			}
		}
	}
	if s == "." {
		return 0, errHours
	}
	frac += strings.Repeat("0", 2-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err == nil && n >= 1_000_000_00 {
		// The bound of the campaign page and of cost CSVs.
		return 0, errs.Field("hours", "is more hours than a cost entry can hold (at most 999999.99)")
	}
	return n, err
}

var errHours = errs.Field("hours", "must be a non-negative number of hours with at most two decimals, such as 3.5")
