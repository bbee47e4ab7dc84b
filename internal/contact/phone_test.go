package contact

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, in, region, want string // want "" means ErrInvalidPhone
	}{
		{"german national", "030 123456", "DE", "+4930123456"},
		{"german national with slash", "030/123456", "DE", "+4930123456"},
		{"german mobile", "0151 23456789", "DE", "+4915123456789"},
		{"lower-case region", "0151 23456789", "de", "+4915123456789"},
		{"international with plus, no region", "+49 30 123456", "", "+4930123456"},
		{"international with plus, other region", "+49 (0)30 123456", "US", "+4930123456"},
		{"already e164", "+4930123456", "", "+4930123456"},
		{"leading 00 in a 00 region", "0049 30 123456", "DE", "+4930123456"},
		{"leading 00 in a 011 region", "0049 30 123456", "US", "+4930123456"},
		{"leading 00 without region", "0049 30 123456", "", "+4930123456"},
		{"011 prefix in the US", "011 49 30 123456", "US", "+4930123456"},
		{"us formatted", "(650) 253-0000", "US", "+16502530000"},
		{"us with country code", "1-650-253-0000", "US", "+16502530000"},
		{"us dotted", "650.253.0000", "US", "+16502530000"},
		{"extension ext.", "(650) 253-0000 ext. 123", "US", "+16502530000"},
		{"extension x", "+1 650 253 0000 x12", "", "+16502530000"},
		{"extension hash", "+1 650 253 0000 #12", "", "+16502530000"},
		{"uk mobile", "07400 123456", "GB", "+447400123456"},
		{"uk toll free", "0800 123 4567", "GB", "+448001234567"},
		{"french", "01 23 45 67 89", "FR", "+33123456789"},
		{"italian keeps leading zero", "06 1234 5678", "IT", "+390612345678"},
		{"swiss from germany", "+41 44 668 18 00", "DE", "+41446681800"},
		{"non-geographic", "+800 1234 5678", "", "+80012345678"},
		{"surrounding spaces", "  +49 30 123456\t", "", "+4930123456"},
		{"full-width digits", "＋４９ ３０ １２３４５６", "", "+4930123456"},

		{"empty", "", "DE", ""},
		{"national without region", "030 123456", "", ""},
		{"unknown region", "030 123456", "XX", ""},
		{"too short", "123", "DE", ""},
		{"too long", "+49 30 1234567890123456", "", ""},
		{"letters", "call me", "DE", ""},
		{"valid in metadata but over 15 digits", "0800 000000000000", "DE", ""},
		{"unassigned us area code", "(099) 253-0000", "US", ""},
		{"only a plus", "+", "", ""},
		{"absurdly long", "+49" + strings.Repeat("1", 200), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.in, tt.region)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidPhone) {
					t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want ErrInvalidPhone", tt.in, tt.region, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
			}
		})
	}
}

func TestPhoneInfo(t *testing.T) {
	tests := []struct{ in, region, lineType string }{
		{"+4930123456", "DE", "fixed_line"},
		{"+4915123456789", "DE", "mobile"},
		{"+16502530000", "US", "fixed_line_or_mobile"},
		{"+448001234567", "GB", "toll_free"},
		{"+447400123456", "GB", "mobile"},
		{"+80012345678", "001", "toll_free"},
		{"+390612345678", "IT", "fixed_line"},
		{"+41446681800", "CH", "fixed_line"},
		{"030123456", "", "unknown"},
		{"", "", "unknown"},
		{"+123", "", "unknown"},
	}
	for _, tt := range tests {
		region, lineType := PhoneInfo(tt.in)
		if region != tt.region || lineType != tt.lineType {
			t.Errorf("PhoneInfo(%q) = %q, %q; want %q, %q", tt.in, region, lineType, tt.region, tt.lineType)
		}
	}
}
