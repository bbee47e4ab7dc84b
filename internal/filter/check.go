package filter

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits keep a filter cheap to run.
const (
	MaxDays     = 36500 // a window or a "within last" of at most a hundred years
	MaxCount    = 1000000
	MaxListSize = 1000
	MaxDepth    = 32
)

var eventType = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

var countOps = []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe}
var propertyOps = []Op{OpEq, OpNe, OpContains, OpStartsWith}

// checkCond says what is wrong with a condition, or "" when nothing is.
func checkCond(c Cond) string {
	f, ok := lookupField(c.Field)
	if !ok {
		if strings.HasPrefix(c.Field, "custom.") {
			return fmt.Sprintf("custom field %q: a key is 1 to 64 letters, digits, '_' or '-'", c.Field)
		}
		return fmt.Sprintf("unknown field %q", c.Field)
	}
	if !slices.Contains(f.typ.Ops(), c.Op) {
		return fmt.Sprintf("%s is a %s field: operator %q does not apply (use one of %s)", f.name, f.typ, c.Op, opNames(f.typ.Ops()))
	}
	v := c.Value
	switch c.Op {
	case OpIsEmpty, OpIsSet:
		if v.Kind != KindNone {
			return fmt.Sprintf("%s takes no value", c.Op)
		}
		return ""
	case OpIn:
		if v.Kind != KindList || len(v.List) == 0 {
			return fmt.Sprintf("%s in needs a list of values", f.name)
		}
		if len(v.List) > MaxListSize {
			return fmt.Sprintf("a list has at most %d values", MaxListSize)
		}
		for _, x := range v.List {
			if msg := checkScalar(f, x); msg != "" {
				return msg
			}
		}
		return ""
	case OpBefore, OpAfter:
		if v.Kind != KindTime {
			return fmt.Sprintf("%s %s needs a date or a time", f.name, c.Op)
		}
		return ""
	case OpWithinLast:
		if v.Kind != KindNumber || v.Number != math.Trunc(v.Number) || v.Number < 1 || v.Number > MaxDays {
			return fmt.Sprintf("%s within last needs a whole number of days from 1 to %d", f.name, MaxDays)
		}
		return ""
	}
	return checkScalar(f, v)
}

func checkScalar(f *field, v Value) string {
	switch f.typ {
	case TypeNumber:
		if v.Kind != KindNumber {
			return fmt.Sprintf("%s is a number field: the value must be a number", f.name)
		}
		if math.IsNaN(v.Number) || math.IsInf(v.Number, 0) {
			return fmt.Sprintf("%s: the value must be a finite number", f.name)
		}
	case TypeText, TypeChoice:
		if v.Kind != KindText {
			return fmt.Sprintf("%s is a %s field: the value must be text in quotes", f.name, f.typ)
		}
		if len(v.Text) > 1000 {
			return fmt.Sprintf("%s: a value has at most 1000 bytes", f.name)
		}
		if !plainText(v.Text) {
			return fmt.Sprintf("%s: a value must be valid UTF-8 text without NUL characters", f.name)
		}
		if f.typ == TypeChoice && !slices.Contains(f.choices, v.Text) {
			return fmt.Sprintf("%s is one of %s, not %q", f.name, strings.Join(f.choices, ", "), v.Text)
		}
	}
	return ""
}

// checkEvent says what is wrong with an event condition, or "" when nothing is.
func checkEvent(e EventCond) string {
	if !eventType.MatchString(e.Type) {
		return fmt.Sprintf("event type %q: 1 to 64 letters, digits, '_', '.', ':' or '-'", e.Type)
	}
	if e.Where != nil {
		if msg := checkWhere(*e.Where); msg != "" {
			return msg
		}
	}
	if e.WithinDays < 0 || e.WithinDays > MaxDays {
		return fmt.Sprintf("an event window is 1 to %d days", MaxDays)
	}
	if !slices.Contains(countOps, e.Op) {
		return fmt.Sprintf("an event count is compared with one of %s, not %q", opNames(countOps), e.Op)
	}
	if e.Count < 0 || e.Count > MaxCount {
		return fmt.Sprintf("an event count is from 0 to %d", MaxCount)
	}
	return ""
}

func checkWhere(w PropertyMatch) string {
	if !customKey.MatchString(w.Property) {
		return fmt.Sprintf("event property %q: 1 to 64 letters, digits, '_' or '-'", w.Property)
	}
	if !slices.Contains(propertyOps, w.Op) {
		return fmt.Sprintf("an event property is compared with one of %s, not %q", opNames(propertyOps), w.Op)
	}
	if len(w.Value) > 1000 {
		return "an event property value has at most 1000 bytes"
	}
	if !plainText(w.Value) {
		return "an event property value must be valid UTF-8 text without NUL characters"
	}
	return ""
}

// plainText reports text both engines compare as it is: PostgreSQL refuses a NUL or
// invalid UTF-8 in a query's text, where SQLite would compare it.
func plainText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func opNames(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = opText(o)
	}
	return strings.Join(s, ", ")
}

// Check validates an expression built in code, naming the place of the first
// mistake as a JSON path.
func Check(e Expr) error { return check(e, "$", 0) }

func check(e Expr, path string, depth int) error {
	if depth > MaxDepth {
		return &Error{Path: path, Msg: fmt.Sprintf("a filter nests at most %d levels", MaxDepth)}
	}
	switch x := e.(type) {
	case And:
		for i, t := range x.Terms {
			if err := check(t, fmt.Sprintf("%s.and[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
	case Or:
		if len(x.Terms) == 0 {
			return &Error{Path: path + ".or", Msg: "or needs at least one term"}
		}
		for i, t := range x.Terms {
			if err := check(t, fmt.Sprintf("%s.or[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
	case Not:
		if x.Term == nil {
			return &Error{Path: path + ".not", Msg: "not needs a term"}
		}
		return check(x.Term, path+".not", depth+1)
	case Cond:
		if msg := checkCond(x); msg != "" {
			return &Error{Path: path, Msg: msg}
		}
	case EventCond:
		if msg := checkEvent(x); msg != "" {
			return &Error{Path: path, Msg: msg}
		}
	default:
		return &Error{Path: path, Msg: "not a filter expression"}
	}
	return nil
}

// Error is a mistake in a filter and where it is: Pos (1-based, in characters)
// in the text form, or Path in the JSON form.
type Error struct {
	Pos  int
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path != "" {
		return e.Path + ": " + e.Msg
	}
	return fmt.Sprintf("at position %d: %s", e.Pos, e.Msg)
}
