package capture

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The fill-time stamp: the hosted page and the embed script carry, in the field "_ts",
// the time the form was shown, signed with the workspace's form secret together with
// the form's slug, as "UNIX.SIGNATURE". A post sent sooner than a person can fill the
// form, with another form's stamp, with a stamp older than StampLifetime, or with a
// forged one is refused. Stamps are not spent: a person may correct a field and send
// again with the same one.

const (
	// StampField is the form field that carries the stamp.
	StampField = "_ts"
	// MinFillTime is the least time a person takes to fill a form.
	MinFillTime = 2 * time.Second
	// StampLifetime is how long a shown form may be sent: a day, so a tab left open
	// overnight asks to be sent again rather than passing forever.
	StampLifetime = 24 * time.Hour
)

// Errors of a refused stamp, in the visitor's words.
var (
	ErrStampMissing = errors.New("Please check your details and press the button again to send them.")
	ErrStampInvalid = errors.New("This form has expired. Please send it again.")
	ErrStampExpired = errors.New("This page was open for a long time. Please check your details and send the form again.")
	ErrStampTooFast = errors.New("That was quicker than a person can type. Please check the form and send it again.")
)

// FormFillTime is a form's setting for the fill-time check. When Required, a post from
// a browser, or a JSON post without an API key, that carries no valid proof of work
// must carry a stamp. A stamp that is sent is always checked.
type FormFillTime struct {
	Required bool `json:"required"`
}

// IssueStamp signs the time a form was shown.
func IssueStamp(key []byte, slug string, shown time.Time) string {
	ts := strconv.FormatInt(shown.Unix(), 10)
	return ts + "." + stampMAC(key, slug, ts)
}

// CheckStamp tells why a stamp does not let a post of the form through at now, or
// returns nil.
func CheckStamp(key []byte, slug, stamp string, now time.Time) error {
	if stamp == "" {
		return ErrStampMissing
	}
	ts, sig, ok := strings.Cut(stamp, ".")
	if !ok || len(ts) > 20 || !hmac.Equal([]byte(sig), []byte(stampMAC(key, slug, ts))) {
		return ErrStampInvalid
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStampInvalid
	}
	age := now.Sub(time.Unix(sec, 0))
	switch {
	case age > StampLifetime:
		return ErrStampExpired
	case age < MinFillTime:
		return ErrStampTooFast
	}
	return nil
}

func stampMAC(key []byte, slug, ts string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("form-stamp:" + slug + ":" + ts))
	return hex.EncodeToString(m.Sum(nil))[:32]
}
