package filter

import (
	"encoding/json"
	"time"
)

// Expr is one node of a filter: And, Or, Not, Cond or EventCond.
type Expr interface{ isExpr() }

// And matches when every term matches; an And without terms matches every contact.
type And struct{ Terms []Expr }

// Or matches when at least one term matches.
type Or struct{ Terms []Expr }

// Not matches when its term does not.
type Not struct{ Term Expr }

// Cond compares one field of the contact or its company with a value.
type Cond struct {
	Field string // e.g. "country", "company.size", "custom.interest", "consent.phone"
	Op    Op
	Value Value // unused by is_empty and is_set
}

// EventCond counts the contact's events of a type, optionally only those whose
// property matches and those of the last WithinDays days, and compares the count.
type EventCond struct {
	Type       string
	Where      *PropertyMatch // nil: every event of the type
	WithinDays int            // 0: the whole history
	Op         Op             // =, !=, <, <=, >, >=
	Count      int
}

// PropertyMatch compares one property of an event, as text.
type PropertyMatch struct {
	Property string
	Op       Op // =, !=, contains, starts_with
	Value    string
}

func (And) isExpr()       {}
func (Or) isExpr()        {}
func (Not) isExpr()       {}
func (Cond) isExpr()      {}
func (EventCond) isExpr() {}

// Op is a comparison operator. Its value is the JSON form.
type Op string

// Operators. Which ones a field accepts depends on its type (see Fields).
const (
	OpEq         Op = "="
	OpNe         Op = "!="
	OpLt         Op = "<"
	OpLe         Op = "<="
	OpGt         Op = ">"
	OpGe         Op = ">="
	OpContains   Op = "contains"
	OpStartsWith Op = "starts_with"
	OpIn         Op = "in"
	OpIsEmpty    Op = "is_empty"
	OpIsSet      Op = "is_set"
	OpBefore     Op = "before"           // strictly earlier than the time
	OpAfter      Op = "after"            // at or later than the time
	OpWithinLast Op = "within_last_days" // at or later than now minus the number of days
)

// Kind tells which part of a Value holds the operand.
type Kind int

// Kinds of values.
const (
	KindNone Kind = iota
	KindText
	KindNumber
	KindTime
	KindList
)

// Value is the operand of a Cond.
type Value struct {
	Kind   Kind
	Text   string
	Number float64
	Time   time.Time
	List   []Value // of texts or of numbers, for "in"
}

// Text makes a text value.
func Text(s string) Value { return Value{Kind: KindText, Text: s} }

// Number makes a number value.
func Number(n float64) Value { return Value{Kind: KindNumber, Number: n} }

// Time makes a time value.
func Time(t time.Time) Value { return Value{Kind: KindTime, Time: t.UTC()} }

// List makes a list value.
func List(vs ...Value) Value { return Value{Kind: KindList, List: vs} }

// Filter wraps an expression so it can sit in a struct that is stored or sent as
// JSON; the zero Filter matches every contact.
type Filter struct{ Expr Expr }

// Parse reads the text form of a filter.
func Parse(text string) (Filter, error) {
	e, err := ParseText(text)
	return Filter{e}, err
}

// MarshalJSON writes the JSON form.
func (f Filter) MarshalJSON() ([]byte, error) { return MarshalJSON(f.root()) }

// UnmarshalJSON reads the JSON form, checking fields, operators and values.
func (f *Filter) UnmarshalJSON(b []byte) error {
	e, err := ParseJSON(b)
	if err != nil {
		return err
	}
	f.Expr = e
	return nil
}

// String is the text form.
func (f Filter) String() string { return Format(f.root()) }

// Match evaluates the filter on a record at the time now.
func (f Filter) Match(r *Record, now time.Time) bool { return Eval(f.root(), r, now) }

// IsAll reports whether the filter matches every contact.
func (f Filter) IsAll() bool {
	a, ok := f.root().(And)
	return ok && len(a.Terms) == 0
}

func (f Filter) root() Expr {
	if f.Expr == nil {
		return And{}
	}
	return f.Expr
}

var _ json.Marshaler = Filter{}

// EventTypes lists the event types the expression counts, so a caller loads only
// those events into its records.
func EventTypes(e Expr) []string {
	seen := map[string]bool{}
	var out []string
	Walk(e, func(x Expr) {
		if ec, ok := x.(EventCond); ok && !seen[ec.Type] {
			seen[ec.Type] = true
			out = append(out, ec.Type)
		}
	})
	return out
}

// Walk calls fn for e and every expression below it, parents first.
func Walk(e Expr, fn func(Expr)) {
	fn(e)
	switch x := e.(type) {
	case And:
		for _, t := range x.Terms {
			Walk(t, fn)
		}
	case Or:
		for _, t := range x.Terms {
			Walk(t, fn)
		}
	case Not:
		Walk(x.Term, fn)
	}
}
