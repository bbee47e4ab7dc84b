package filter

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Eval reports whether the record matches the expression at the time now. A
// merged contact never matches.
func Eval(e Expr, r *Record, now time.Time) bool {
	if r.Merged {
		return false
	}
	return eval(e, r, now.UTC().Truncate(time.Microsecond))
}

func eval(e Expr, r *Record, now time.Time) bool {
	switch x := e.(type) {
	case And:
		for _, t := range x.Terms {
			if !eval(t, r, now) {
				return false
			}
		}
		return true
	case Or:
		for _, t := range x.Terms {
			if eval(t, r, now) {
				return true
			}
		}
		return false
	case Not:
		return !eval(x.Term, r, now)
	case Cond:
		return evalCond(x, r, now)
	case EventCond:
		return compareCount(countEvents(x, r, now), x.Op, x.Count)
	}
	return false
}

func evalCond(c Cond, r *Record, now time.Time) bool {
	f, ok := lookupField(c.Field)
	if !ok {
		return false
	}
	v := fieldValue(f, r)
	switch f.typ {
	case TypeText, TypeChoice:
		return matchText(v.text, c.Op, c.Value)
	case TypeNumber:
		switch c.Op {
		case OpIsEmpty:
			return !v.ok
		case OpIsSet:
			return v.ok
		case OpNe:
			return !v.ok || v.num != c.Value.Number
		}
		if !v.ok {
			return false
		}
		switch c.Op {
		case OpEq:
			return v.num == c.Value.Number
		case OpLt:
			return v.num < c.Value.Number
		case OpLe:
			return v.num <= c.Value.Number
		case OpGt:
			return v.num > c.Value.Number
		case OpGe:
			return v.num >= c.Value.Number
		case OpIn:
			for _, x := range c.Value.List {
				if v.num == x.Number {
					return true
				}
			}
		}
		return false
	case TypeTime:
		t := v.t.Truncate(time.Microsecond)
		switch c.Op {
		case OpBefore:
			return t.Before(c.Value.Time)
		case OpAfter:
			return !t.Before(c.Value.Time)
		case OpWithinLast:
			return !t.Before(now.Add(-days(int(c.Value.Number))))
		}
	}
	return false
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func matchText(s string, op Op, v Value) bool {
	switch op {
	case OpEq:
		return s == v.Text
	case OpNe:
		return s != v.Text
	case OpContains:
		return strings.Contains(lowerASCII(s), lowerASCII(v.Text))
	case OpStartsWith:
		return startsWithFold(s, v.Text)
	case OpIn:
		for _, x := range v.List {
			if s == x.Text {
				return true
			}
		}
		return false
	case OpIsEmpty:
		return s == ""
	case OpIsSet:
		return s != ""
	}
	return false
}

// startsWithFold compares the first characters of s with prefix, ignoring the
// case of ASCII letters, as the SQL form does with substr on characters.
func startsWithFold(s, prefix string) bool {
	n := utf8.RuneCountInString(prefix)
	head := s
	i := 0
	for j := range s {
		if i == n {
			head = s[:j]
			break
		}
		i++
	}
	return lowerASCII(head) == lowerASCII(prefix)
}

// lowerASCII lower-cases ASCII letters only: the SQL engines agree on those
// (SQLite's lower() knows no others).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func countEvents(c EventCond, r *Record, now time.Time) int {
	var since time.Time
	if c.WithinDays > 0 {
		since = now.Add(-days(c.WithinDays))
	}
	n := 0
	for _, ev := range r.Events {
		if ev.Type != c.Type {
			continue
		}
		if c.WithinDays > 0 && ev.OccurredAt.Truncate(time.Microsecond).Before(since) {
			continue
		}
		if c.Where != nil && !matchText(asText(ev.Properties[c.Where.Property]), c.Where.Op, Text(c.Where.Value)) {
			continue
		}
		n++
	}
	return n
}

func compareCount(n int, op Op, want int) bool {
	switch op {
	case OpEq:
		return n == want
	case OpNe:
		return n != want
	case OpLt:
		return n < want
	case OpLe:
		return n <= want
	case OpGt:
		return n > want
	case OpGe:
		return n >= want
	}
	return false
}

// asText is a property or custom field as the filter compares it: text as it is,
// numbers in decimal, true and false, missing and null as "".
func asText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}
