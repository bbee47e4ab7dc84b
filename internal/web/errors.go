package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// statusOf is the one place where domain error codes become HTTP statuses.
var statusOf = map[string]int{
	errs.Invalid:       http.StatusBadRequest,
	errs.NotFound:      http.StatusNotFound,
	errs.Conflict:      http.StatusConflict,
	errs.Unauthorized:  http.StatusUnauthorized,
	errs.Forbidden:     http.StatusForbidden,
	errs.TooLarge:      http.StatusRequestEntityTooLarge,
	errs.Unprocessable: http.StatusUnprocessableEntity,
	errs.RateLimited:   http.StatusTooManyRequests,
	errs.Unsupported:   http.StatusUnsupportedMediaType,
	errs.NotAllowed:    http.StatusMethodNotAllowed,
	errs.Internal:      http.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Details any    `json:"details,omitempty"`
}

// writeError answers with the error shape of SPEC section 11. Errors that are not
// ours are logged with the request and shown to the caller only as an internal error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The caller hung up; nobody reads this answer and nothing went wrong here.
		s.log.DebugContext(r.Context(), "request abandoned by the client", "method", r.Method, "path", r.URL.Path)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	e, status := s.answerOf(r, err)
	writeJSON(w, status, errorBody{errorDetail{Code: e.Code, Message: e.Message, Field: e.Field, Details: e.Details}})
}

// answerOf is the error as a caller is told it, with its status. An error that is
// not ours is logged with the request and becomes an internal error.
func (s *Server) answerOf(r *http.Request, err error) (*errs.Error, int) {
	var e *errs.Error
	if !errors.As(err, &e) {
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = errs.E(errs.Internal, "", "something went wrong on our side; it has been logged")
	}
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	return e, status
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body into v, strictly: one object, no unknown fields, at
// most MaxBody bytes. Its errors name the field at fault.
func decodeJSON(r *http.Request, v any) error {
	return decodeBody(r, v, false)
}

// decodeJSONNumbers is decodeJSON keeping the numbers of free-form values (an
// event's properties) as written, json.Number, rather than as the nearest float.
func decodeJSONNumbers(r *http.Request, v any) error {
	return decodeBody(r, v, true)
}

func decodeBody(r *http.Request, v any, numbers bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return errs.E(errs.Unsupported, "", "send the body as application/json")
	}
	body := bufio.NewReader(r.Body)
	if isNull(body) {
		// null would decode as an empty request: a PUT of null would clear everything.
		return errs.Field("", "the body must be a JSON object, not null")
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if numbers {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return errs.Field("", "the body must hold exactly one JSON value")
	}
	return nil
}

// isNull reports whether the JSON value ahead is null, reading only the white space
// before it.
func isNull(b *bufio.Reader) bool {
	for {
		c, err := b.Peek(1)
		if err != nil {
			return false
		}
		switch c[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = b.ReadByte()
		case 'n':
			p, _ := b.Peek(4)
			return string(p) == "null"
		default:
			return false
		}
	}
}

// jsonError turns a decoding error into a caller's error that names the field.
func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return errs.E(errs.TooLarge, "", "the body is larger than %d bytes", mbe.Limit)
	case errors.As(err, &syn):
		return errs.Field("", "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return errs.Field(field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.EOF):
		return errs.Field("", "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Field("", "the body ends in the middle of a JSON value")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Field(name, "is not a field of this request")
	}
	return errs.Field("", "the body could not be read: %s", err.Error())
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint", "uint64":
		// 24.5 or 1e400 is a number, just not one an id or a count can hold.
		return "a whole number within range"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return fmt.Sprintf("of type %s", k)
}
