// Package errs holds Lodestone's domain errors: a small set of codes that every layer
// uses, and that the web layer alone turns into HTTP statuses.
package errs

import (
	"errors"
	"fmt"
)

// Codes name what went wrong in the product's terms, never in HTTP's.
const (
	Invalid       = "invalid"            // a field's value is not acceptable
	NotFound      = "not_found"          // the thing asked for does not exist
	Conflict      = "conflict"           // the request clashes with the current state
	Unauthorized  = "unauthorized"       // no valid credentials
	Forbidden     = "forbidden"          // credentials valid, role not enough
	TooLarge      = "too_large"          // the body is over the limit
	Unprocessable = "unprocessable"      // understood but cannot be done (e.g. idempotency key reuse)
	RateLimited   = "rate_limited"       // too many requests
	Unsupported   = "unsupported"        // wrong content type
	NotAllowed    = "method_not_allowed" // the thing exists, but not with this method
	Internal      = "internal_error"     // our fault; details are logged, never shown
)

// Error is an error a caller can act on: a code, a message in plain English, and the
// field it concerns when there is one.
type Error struct {
	Code    string
	Field   string
	Message string
	// Details carries extra structured information, such as the per-item problems of a batch.
	Details any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// E builds an Error with a formatted message.
func E(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Field reports an invalid value of a named field.
func Field(field, format string, args ...any) *Error {
	return E(Invalid, field, format, args...)
}

// NotFoundf reports a missing thing.
func NotFoundf(format string, args ...any) *Error {
	return E(NotFound, "", format, args...)
}

// Code returns the code of err, or Internal for errors that are not ours.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code string) bool {
	return err != nil && Code(err) == code
}
