package lifecycle

import "testing"

func TestAutoAdvance(t *testing.T) {
	tests := []struct {
		current, proposed string
		want              bool
	}{
		{"", Lead, true},
		{Lead, MQL, true},
		{MQL, Lead, false},
		{SQL, SQL, false},
		{Customer, SQL, false},
		{Disqualified, SQL, false},
		{Lead, Disqualified, false},
		{Subscriber, Lead, true},
		{Opportunity, Customer, true},
		{Lead, "", false},
	}
	for _, tt := range tests {
		if got := AutoAdvance(tt.current, tt.proposed); got != tt.want {
			t.Errorf("AutoAdvance(%q, %q) = %v, want %v", tt.current, tt.proposed, got, tt.want)
		}
	}
}

func TestStageForEvent(t *testing.T) {
	tests := []struct {
		typ, newsletter string
		captures        bool
		want            string
	}{
		{"demo_request", "", true, SQL},
		{"trial_signup", "", false, SQL},
		{"deal_won", "", false, Customer},
		{"newsletter_signup", "", true, MQL},
		{"newsletter_signup", Subscriber, true, Subscriber},
		{"form_submit", "", true, Lead},
		{"import", "", true, Lead},
		{"email_open", "", false, ""},
	}
	for _, tt := range tests {
		if got := StageForEvent(tt.typ, tt.newsletter, tt.captures); got != tt.want {
			t.Errorf("StageForEvent(%q, %q, %v) = %q, want %q", tt.typ, tt.newsletter, tt.captures, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, s := range Stages {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "SQL", "won", "lead "} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}
