package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The JSON form, as the API takes it:
//
//	{"and": [
//	  {"field": "stage", "op": "in", "value": ["mql", "sql"]},
//	  {"not": {"field": "email_type", "op": "=", "value": "free"}},
//	  {"event": "page_view", "where": {"property": "page_url", "op": "contains", "value": "/pricing"},
//	   "within_days": 14, "op": ">=", "count": 2}
//	]}
//
// {"and": []} matches every contact.

type jsonCond struct {
	Field string `json:"field"`
	Op    Op     `json:"op"`
	Value any    `json:"value,omitempty"`
}

type jsonEvent struct {
	Event      string         `json:"event"`
	Where      *PropertyMatch `json:"where,omitempty"`
	WithinDays int            `json:"within_days,omitempty"`
	Op         Op             `json:"op"`
	Count      int            `json:"count"`
}

func (m PropertyMatch) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Property string `json:"property"`
		Op       Op     `json:"op"`
		Value    string `json:"value"`
	}{m.Property, m.Op, m.Value})
}

// MarshalJSON writes the JSON form of an expression.
func MarshalJSON(e Expr) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(toJSON(e)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func toJSON(e Expr) any {
	switch x := e.(type) {
	case And:
		terms := make([]any, len(x.Terms))
		for i, t := range x.Terms {
			terms[i] = toJSON(t)
		}
		return map[string]any{"and": terms}
	case Or:
		terms := make([]any, len(x.Terms))
		for i, t := range x.Terms {
			terms[i] = toJSON(t)
		}
		return map[string]any{"or": terms}
	case Not:
		return map[string]any{"not": toJSON(x.Term)}
	case Cond:
		return jsonCond{Field: x.Field, Op: x.Op, Value: valueJSON(x.Value)}
	case EventCond:
		return jsonEvent{Event: x.Type, Where: x.Where, WithinDays: x.WithinDays, Op: x.Op, Count: x.Count}
	}
	return nil
}

func valueJSON(v Value) any {
	switch v.Kind {
	case KindText:
		return v.Text
	case KindNumber:
		return json.Number(formatNumber(v.Number))
	case KindTime:
		return formatTime(v.Time)
	case KindList:
		out := make([]any, len(v.List))
		for i, x := range v.List {
			out[i] = valueJSON(x)
		}
		return out
	}
	return nil
}

// ParseJSON reads the JSON form of a filter. An error is an *Error whose Path
// says where the mistake is, e.g. $.and[2].value.
func ParseJSON(b []byte) (Expr, error) {
	if len(b) > 4*maxTextLen {
		return nil, &Error{Path: "$", Msg: fmt.Sprintf("a filter has at most %d bytes", 4*maxTextLen)}
	}
	var raw json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, &Error{Path: "$", Msg: "not valid JSON: " + jsonProblem(err)}
	}
	if dec.More() {
		return nil, &Error{Path: "$", Msg: "not valid JSON: more after the filter"}
	}
	return fromJSON(raw, "$", 0)
}

func jsonProblem(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	return "it must be an object"
}

func object(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, &Error{Path: path, Msg: `expected an object such as {"field": "country", "op": "=", "value": "DE"}`}
	}
	return m, nil
}

func allowKeys(m map[string]json.RawMessage, path string, keys ...string) error {
	for k := range m {
		ok := false
		for _, a := range keys {
			ok = ok || k == a
		}
		if !ok {
			return &Error{Path: path + "." + k, Msg: fmt.Sprintf("unknown key %q", k)}
		}
	}
	return nil
}

func fromJSON(raw json.RawMessage, path string, depth int) (Expr, error) {
	if depth > MaxDepth {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("a filter nests at most %d levels", MaxDepth)}
	}
	m, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	switch {
	case m["and"] != nil || m["or"] != nil:
		key := "and"
		if m["or"] != nil {
			key = "or"
		}
		if err := allowKeys(m, path, key); err != nil {
			return nil, err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(m[key], &items); err != nil || items == nil {
			return nil, &Error{Path: path + "." + key, Msg: "expected a list of filters"}
		}
		if key == "or" && len(items) == 0 {
			return nil, &Error{Path: path + ".or", Msg: "or needs at least one term"}
		}
		var terms []Expr
		for i, it := range items {
			t, err := fromJSON(it, fmt.Sprintf("%s.%s[%d]", path, key, i), depth+1)
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		}
		if key == "or" {
			return Or{terms}, nil
		}
		return And{terms}, nil
	case m["not"] != nil:
		if err := allowKeys(m, path, "not"); err != nil {
			return nil, err
		}
		t, err := fromJSON(m["not"], path+".not", depth+1)
		if err != nil {
			return nil, err
		}
		return Not{t}, nil
	case m["field"] != nil:
		return condJSON(m, path)
	case m["event"] != nil:
		return eventJSON(m, path)
	}
	return nil, &Error{Path: path, Msg: `expected one of the keys "and", "or", "not", "field" or "event"`}
}

func str(raw json.RawMessage, path, what string) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &Error{Path: path, Msg: "expected " + what}
	}
	return s, nil
}

func condJSON(m map[string]json.RawMessage, path string) (Expr, error) {
	if err := allowKeys(m, path, "field", "op", "value"); err != nil {
		return nil, err
	}
	name, err := str(m["field"], path+".field", "a field name")
	if err != nil {
		return nil, err
	}
	f, ok := lookupField(name)
	if !ok {
		return nil, &Error{Path: path + ".field", Msg: checkCond(Cond{Field: name})}
	}
	if m["op"] == nil {
		return nil, &Error{Path: path + ".op", Msg: "missing operator"}
	}
	op, err := str(m["op"], path+".op", "an operator")
	if err != nil {
		return nil, err
	}
	c := Cond{Field: name, Op: Op(op)}
	if !opAllowed(f, c.Op) {
		return nil, &Error{Path: path + ".op", Msg: checkCond(Cond{Field: name, Op: c.Op})}
	}
	vpath := path + ".value"
	if raw, ok := m["value"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		switch c.Op {
		case OpIsEmpty, OpIsSet:
			return nil, &Error{Path: vpath, Msg: fmt.Sprintf("%s takes no value", opText(c.Op))}
		case OpIn:
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, &Error{Path: vpath, Msg: "expected a list of values"}
			}
			c.Value = Value{Kind: KindList, List: []Value{}}
			for i, it := range items {
				v, err := scalarJSON(f, c.Op, it, fmt.Sprintf("%s[%d]", vpath, i))
				if err != nil {
					return nil, err
				}
				c.Value.List = append(c.Value.List, v)
			}
		default:
			v, err := scalarJSON(f, c.Op, raw, vpath)
			if err != nil {
				return nil, err
			}
			c.Value = v
		}
	}
	if msg := checkCond(c); msg != "" {
		return nil, &Error{Path: vpath, Msg: msg}
	}
	return c, nil
}

func opAllowed(f *field, op Op) bool {
	for _, o := range f.typ.Ops() {
		if o == op {
			return true
		}
	}
	return false
}

func scalarJSON(f *field, op Op, raw json.RawMessage, path string) (Value, error) {
	if op == OpBefore || op == OpAfter {
		s, err := str(raw, path, "a date (2026-01-31) or a time (2026-01-31T09:00:00Z)")
		if err != nil {
			return Value{}, err
		}
		t, ok := parseTime(s)
		if !ok {
			return Value{}, &Error{Path: path, Msg: "expected a date (2026-01-31) or a time (2026-01-31T09:00:00Z)"}
		}
		return Time(t), nil
	}
	if op == OpWithinLast || f.typ == TypeNumber {
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&n); err != nil {
			return Value{}, &Error{Path: path, Msg: fmt.Sprintf("%s: expected a number", f.name)}
		}
		x, err := strconv.ParseFloat(n.String(), 64)
		if err != nil || math.IsInf(x, 0) {
			return Value{}, &Error{Path: path, Msg: fmt.Sprintf("%s: expected a number", f.name)}
		}
		return Number(x), nil
	}
	s, err := str(raw, path, fmt.Sprintf("text for %s", f.name))
	if err != nil {
		return Value{}, err
	}
	return Text(s), nil
}

func eventJSON(m map[string]json.RawMessage, path string) (Expr, error) {
	if err := allowKeys(m, path, "event", "where", "within_days", "op", "count"); err != nil {
		return nil, err
	}
	var e EventCond
	var err error
	if e.Type, err = str(m["event"], path+".event", "an event type"); err != nil {
		return nil, err
	}
	if !eventType.MatchString(e.Type) {
		return nil, &Error{Path: path + ".event", Msg: checkEvent(e)}
	}
	if raw, ok := m["where"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		wm, err := object(raw, path+".where")
		if err != nil {
			return nil, err
		}
		if err := allowKeys(wm, path+".where", "property", "op", "value"); err != nil {
			return nil, err
		}
		var pm PropertyMatch
		if pm.Property, err = str(wm["property"], path+".where.property", "a property name"); err != nil {
			return nil, err
		}
		var op string
		if op, err = str(wm["op"], path+".where.op", "an operator"); err != nil {
			return nil, err
		}
		pm.Op = Op(op)
		if pm.Value, err = str(wm["value"], path+".where.value", "text"); err != nil {
			return nil, err
		}
		e.Where = &pm
		if msg := checkWhere(pm); msg != "" {
			return nil, &Error{Path: path + ".where", Msg: msg}
		}
	}
	intKey := func(k string, dst *int) error {
		raw, ok := m[k]
		if !ok {
			return nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return &Error{Path: path + "." + k, Msg: "expected a whole number"}
		}
		return nil
	}
	if err := intKey("within_days", &e.WithinDays); err != nil {
		return nil, err
	}
	if e.WithinDays < 0 || e.WithinDays > MaxDays {
		return nil, &Error{Path: path + ".within_days", Msg: fmt.Sprintf("an event window is 1 to %d days (0 or absent: the whole history)", MaxDays)}
	}
	op, err := str(m["op"], path+".op", "a comparison of the count")
	if err != nil {
		return nil, err
	}
	e.Op = Op(op)
	if _, ok := m["count"]; !ok {
		return nil, &Error{Path: path + ".count", Msg: "missing count"}
	}
	if err := intKey("count", &e.Count); err != nil {
		return nil, err
	}
	if msg := checkEvent(e); msg != "" {
		p := path + ".count"
		if e.Op != OpEq && !opIn(e.Op, countOps) {
			p = path + ".op"
		}
		return nil, &Error{Path: p, Msg: msg}
	}
	return e, nil
}

func opIn(o Op, ops []Op) bool {
	for _, x := range ops {
		if x == o {
			return true
		}
	}
	return false
}
