package attribution

import (
	"errors"
	"fmt"
)

// Channel is the kind of marketing work a touch came from (SPEC section 2).
type Channel string

// The channels of SPEC section 2. Their names are stored and sent over the API, so they never change.
const (
	Direct        Channel = "direct"
	OrganicSearch Channel = "organic_search"
	PaidSearch    Channel = "paid_search"
	Social        Channel = "social"
	PaidSocial    Channel = "paid_social"
	Email         Channel = "email"
	Referral      Channel = "referral"
	Partner       Channel = "partner"
	Event         Channel = "event"          // fairs, trade shows, networking
	DirectMail    Channel = "direct_mail"    // paper and fax
	Phone         Channel = "phone"          // outbound calls
	LiveTransfer  Channel = "live_transfer"  // a qualified caller handed to a rep
	PurchasedList Channel = "purchased_list" // imported lists bought from a vendor
	Other         Channel = "other"
)

// Channels lists every channel in the order of the specification, for menus and validation.
var Channels = []Channel{
	Direct, OrganicSearch, PaidSearch, Social, PaidSocial, Email, Referral,
	Partner, Event, DirectMail, Phone, LiveTransfer, PurchasedList, Other,
}

// ErrUnknownChannel is the error ParseChannel wraps for a name that is not a channel.
var ErrUnknownChannel = errors.New("unknown channel")

// ParseChannel accepts only the exact lower-case names: a channel name is an API value,
// and quietly folding "Email " into "email" would hide a caller's bug.
func ParseChannel(s string) (Channel, error) {
	c := Channel(s)
	if !c.Valid() {
		return "", fmt.Errorf("%w %q", ErrUnknownChannel, s)
	}
	return c, nil
}

// Valid reports whether c is one of the channels. It does not read Channels, so a caller
// that changes that slice cannot change what is valid.
func (c Channel) Valid() bool {
	switch c {
	case Direct, OrganicSearch, PaidSearch, Social, PaidSocial, Email, Referral,
		Partner, Event, DirectMail, Phone, LiveTransfer, PurchasedList, Other:
		return true
	}
	return false
}
