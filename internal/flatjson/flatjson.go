// Package flatjson reads the flat JSON objects tracking deals in most (a page view's
// body, the properties stored with it) without reflection or interface values: an
// object whose values are strings, true or false. Anything else it declines, and the
// caller decodes with encoding/json instead, so the result is always encoding/json's.
package flatjson

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Each calls fn with every member of the object in b, in order, with its value: a
// string (isString set), true or false. It reports false, having stopped, when b is
// not such an object, when it holds something encoding/json would decode otherwise
// (invalid UTF-8, an escaped surrogate) or when fn returns false; fn may have been
// called already for the members before.
func Each(b []byte, fn func(key string, value string, isString, truth bool) bool) bool {
	return utf8.Valid(b) && each(b, fn)
}

// EachString is Each of a string. The keys and values it passes are parts of s
// where they hold no escape, so reading a text costs no copy of its members.
func EachString(s string, fn func(key string, value string, isString, truth bool) bool) bool {
	return utf8.ValidString(s) && each(s, fn)
}

// text is what the reader reads: a body's bytes or a stored text.
type text interface{ ~string | ~[]byte }

func each[T text](b T, fn func(key string, value string, isString, truth bool) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		key, j, ok := str(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case '"':
			v, j, ok := str(b, i)
			if !ok || !fn(key, v, true, false) {
				return false
			}
			i = j
		case 't', 'f':
			lit, truth := "false", false
			if b[i] == 't' {
				lit, truth = "true", true
			}
			if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit || !fn(key, "", false, truth) {
				return false
			}
			i += len(lit)
		default:
			return false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

func skipSpace[T text](b T, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// str reads the JSON string starting at b[i] (a quote) and returns it unescaped and
// the index after its closing quote.
func str[T text](b T, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	i++
	start := i
	for i < len(b) && b[i] != '"' && b[i] != '\\' {
		if b[i] < 0x20 {
			return "", 0, false
		}
		i++
	}
	if i >= len(b) {
		return "", 0, false
	}
	if b[i] == '"' {
		return string(b[start:i]), i + 1, true
	}
	out := append(make([]byte, 0, i-start+16), b[start:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return string(out), i + 1, true
		case c < 0x20:
			return "", 0, false
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			return "", 0, false
		}
		switch e := b[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b, i+2)
			// Surrogates, paired or not, are left to encoding/json.
			if !ok || utf16.IsSurrogate(r) {
				return "", 0, false
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default:
			return "", 0, false
		}
		i += 2
	}
	return "", 0, false
}

func hex4[T text](b T, i int) (rune, bool) {
	if len(b)-i < 4 {
		return 0, false
	}
	var r rune
	for k := i; k < i+4; k++ {
		c := b[k]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
