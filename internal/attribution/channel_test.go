package attribution

import (
	"errors"
	"slices"
	"testing"
)

func TestChannelsFollowSpecOrder(t *testing.T) {
	want := []string{"direct", "organic_search", "paid_search", "social", "paid_social", "email", "referral",
		"partner", "event", "direct_mail", "phone", "live_transfer", "purchased_list", "other"}
	var got []string
	for _, c := range Channels {
		got = append(got, string(c))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Channels = %v, want %v", got, want)
	}
}

func TestParseChannel(t *testing.T) {
	for _, c := range Channels {
		got, err := ParseChannel(string(c))
		if err != nil || got != c {
			t.Errorf("ParseChannel(%q) = %q, %v", c, got, err)
		}
	}
	for _, bad := range []string{"", "Direct", "EMAIL", " email", "email ", "organic-search", "web", "paid search"} {
		got, err := ParseChannel(bad)
		if !errors.Is(err, ErrUnknownChannel) || got != "" {
			t.Errorf("ParseChannel(%q) = %q, %v; want ErrUnknownChannel", bad, got, err)
		}
	}
}

func TestModelsFollowSpecOrder(t *testing.T) {
	want := []Model{"first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "full_path", "j_shaped", "inverse_j", "time_decay"}
	if !slices.Equal(Models, want) {
		t.Fatalf("Models = %v, want %v", Models, want)
	}
}

func TestParseModel(t *testing.T) {
	for _, m := range Models {
		got, err := ParseModel(string(m))
		if err != nil || got != m {
			t.Errorf("ParseModel(%q) = %q, %v", m, got, err)
		}
	}
	for _, bad := range []string{"", "Linear", "u-shaped", "time decay", "position_based", " linear"} {
		got, err := ParseModel(bad)
		if !errors.Is(err, ErrUnknownModel) || got != "" {
			t.Errorf("ParseModel(%q) = %q, %v; want ErrUnknownModel", bad, got, err)
		}
	}
}
