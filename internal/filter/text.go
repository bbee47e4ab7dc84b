package filter

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The text form, as the segment editor shows it:
//
//	stage in ("mql", "sql") and company.size = "51-200"
//	and not (email_type = "free") and count(page_view where page_url contains "/pricing" in last 14 days) >= 2
//
// "not" binds tighter than "and", which binds tighter than "or"; "all" matches every contact.

const maxTextLen = 20000

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokPunct
)

type token struct {
	kind tokKind
	text string // the word, the unquoted string, or the punctuation
	pos  int    // 1-based position in characters
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_.:+-", r)
}

func lex(src string) ([]token, error) {
	var toks []token
	pos := 0 // characters before i
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		start := pos + 1
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, &Error{Pos: start, Msg: "the text is not valid UTF-8"}
		case unicode.IsSpace(r):
			i += size
			pos++
		case r == '"':
			j := i + 1
			for ; j < len(src); j++ {
				if src[j] == '\\' {
					j++
					continue
				}
				if src[j] == '"' {
					break
				}
			}
			if j >= len(src) {
				return nil, &Error{Pos: start, Msg: "this text has no closing quote"}
			}
			s, err := strconv.Unquote(src[i : j+1])
			if err != nil || !utf8.ValidString(s) {
				return nil, &Error{Pos: start, Msg: "this quoted text has a bad escape (write \\\" for a quote, \\\\ for a backslash)"}
			}
			toks = append(toks, token{tokString, s, start})
			pos += utf8.RuneCountInString(src[i : j+1])
			i = j + 1
		case strings.ContainsRune("(),", r):
			toks = append(toks, token{tokPunct, string(r), start})
			i++
			pos++
		case strings.ContainsRune("=!<>", r):
			p := string(r)
			if i+1 < len(src) && src[i+1] == '=' {
				p += "="
			}
			if p == "!" {
				return nil, &Error{Pos: start, Msg: "'!' is only part of '!='"}
			}
			toks = append(toks, token{tokPunct, p, start})
			i += len(p)
			pos += len(p)
		case isWordRune(r):
			j := i
			for j < len(src) {
				r2, s2 := utf8.DecodeRuneInString(src[j:])
				if !isWordRune(r2) {
					break
				}
				j += s2
				pos++
			}
			toks = append(toks, token{tokWord, src[i:j], start})
			i = j
		default:
			return nil, &Error{Pos: start, Msg: fmt.Sprintf("unexpected %q", r)}
		}
	}
	toks = append(toks, token{kind: tokEOF, pos: pos + 1})
	return toks, nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// ParseText reads the text form of a filter. An error is an *Error with the
// position of the mistake.
func ParseText(src string) (Expr, error) {
	if len(src) > maxTextLen {
		return nil, &Error{Pos: 1, Msg: fmt.Sprintf("a filter has at most %d bytes", maxTextLen)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tokEOF {
		return nil, &Error{Pos: 1, Msg: `the filter is empty (write "all" for every contact)`}
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errAt(t, `expected "and", "or" or the end of the filter`)
	}
	return e, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, w)
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

func (p *parser) errAt(t token, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if t.kind == tokEOF {
		msg += ", found the end of the filter"
	} else {
		msg += fmt.Sprintf(", found %s", describe(t))
	}
	return &Error{Pos: t.pos, Msg: msg}
}

func describe(t token) string {
	if t.kind == tokString {
		return strconv.Quote(t.text)
	}
	return "'" + t.text + "'"
}

func (p *parser) expectWord(w string) error {
	if !p.isWord(w) {
		return p.errAt(p.peek(), "expected %q", w)
	}
	p.next()
	return nil
}

func (p *parser) expectPunct(s string) error {
	if !p.isPunct(s) {
		return p.errAt(p.peek(), "expected %q", s)
	}
	p.next()
	return nil
}

func (p *parser) or() (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxDepth {
		return nil, &Error{Pos: p.peek().pos, Msg: fmt.Sprintf("a filter nests at most %d levels", MaxDepth)}
	}
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for p.isWord("or") {
		p.next()
		t, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return Or{terms}, nil
}

func (p *parser) and() (Expr, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for p.isWord("and") {
		p.next()
		t, err := p.unary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return And{terms}, nil
}

func (p *parser) unary() (Expr, error) {
	switch {
	case p.isWord("not"):
		p.next()
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > MaxDepth {
			return nil, &Error{Pos: p.peek().pos, Msg: fmt.Sprintf("a filter nests at most %d levels", MaxDepth)}
		}
		t, err := p.unary()
		if err != nil {
			return nil, err
		}
		return Not{t}, nil
	case p.isPunct("("):
		p.next()
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return e, nil
	case p.isWord("all"):
		p.next()
		return And{}, nil
	case p.isWord("count") && p.toks[p.i+1].kind == tokPunct && p.toks[p.i+1].text == "(":
		return p.event()
	}
	return p.cond()
}

// opWords are the operators written as words, longest first.
var opWords = []struct {
	words []string
	op    Op
}{
	{[]string{"starts", "with"}, OpStartsWith},
	{[]string{"is", "empty"}, OpIsEmpty},
	{[]string{"is", "set"}, OpIsSet},
	{[]string{"within", "last"}, OpWithinLast},
	{[]string{"contains"}, OpContains},
	{[]string{"in"}, OpIn},
	{[]string{"before"}, OpBefore},
	{[]string{"after"}, OpAfter},
}

func (p *parser) op() (Op, token, bool) {
	t := p.peek()
	if t.kind == tokPunct {
		switch Op(t.text) {
		case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
			p.next()
			return Op(t.text), t, true
		}
		return "", t, false
	}
	for _, ow := range opWords {
		ok := true
		for k, w := range ow.words {
			x := p.toks[min(p.i+k, len(p.toks)-1)]
			if x.kind != tokWord || !strings.EqualFold(x.text, w) {
				ok = false
				break
			}
		}
		if ok {
			p.i += len(ow.words)
			return ow.op, t, true
		}
	}
	return "", t, false
}

func (p *parser) cond() (Expr, error) {
	ft := p.peek()
	if ft.kind != tokWord {
		return nil, p.errAt(ft, "expected a field, \"not\", \"count(\" or \"(\"")
	}
	p.next()
	name := strings.ToLower(ft.text)
	f, ok := lookupField(name)
	if !ok {
		return nil, &Error{Pos: ft.pos, Msg: checkCond(Cond{Field: name})}
	}
	op, ot, ok := p.op()
	if !ok {
		return nil, p.errAt(ot, "expected an operator for %s (one of %s)", name, opNames(f.typ.Ops()))
	}
	if !slices.Contains(f.typ.Ops(), op) {
		return nil, &Error{Pos: ot.pos, Msg: checkCond(Cond{Field: name, Op: op})}
	}
	c := Cond{Field: name, Op: op}
	vt := p.peek()
	var err error
	switch op {
	case OpIsEmpty, OpIsSet:
	case OpIn:
		c.Value, err = p.list(f)
	case OpWithinLast:
		c.Value, err = p.number()
		if err == nil {
			err = p.expectWord("days")
		}
	case OpBefore, OpAfter:
		c.Value, err = p.time()
	default:
		c.Value, err = p.scalar(f)
	}
	if err != nil {
		return nil, err
	}
	if msg := checkCond(c); msg != "" {
		return nil, &Error{Pos: vt.pos, Msg: msg}
	}
	return c, nil
}

func (p *parser) scalar(f *field) (Value, error) {
	if f.typ == TypeNumber {
		return p.number()
	}
	t := p.peek()
	if t.kind == tokString || (t.kind == tokWord && !isKeyword(t.text)) {
		p.next()
		return Text(t.text), nil
	}
	return Value{}, p.errAt(t, "expected text in quotes for %s", f.name)
}

func isKeyword(w string) bool {
	switch strings.ToLower(w) {
	case "and", "or", "not":
		return true
	}
	return false
}

func (p *parser) number() (Value, error) {
	t := p.peek()
	if t.kind == tokWord {
		n, err := strconv.ParseFloat(t.text, 64)
		if err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
			p.next()
			return Number(n), nil
		}
	}
	return Value{}, p.errAt(t, "expected a number")
}

func (p *parser) integer() (int, token, error) {
	t := p.peek()
	if t.kind == tokWord {
		if n, err := strconv.Atoi(t.text); err == nil {
			p.next()
			return n, t, nil
		}
	}
	return 0, t, p.errAt(t, "expected a whole number")
}

func (p *parser) time() (Value, error) {
	t := p.peek()
	if t.kind == tokWord || t.kind == tokString {
		if tm, ok := parseTime(t.text); ok {
			p.next()
			return Time(tm), nil
		}
	}
	return Value{}, p.errAt(t, "expected a date (2026-01-31) or a time (2026-01-31T09:00:00Z)")
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1 || t.Year() > 9999 {
				return time.Time{}, false
			}
			return t.UTC().Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}

func (p *parser) list(f *field) (Value, error) {
	if err := p.expectPunct("("); err != nil {
		return Value{}, err
	}
	var vs []Value
	for {
		v, err := p.scalar(f)
		if err != nil {
			return Value{}, err
		}
		vs = append(vs, v)
		if len(vs) > MaxListSize {
			return Value{}, &Error{Pos: p.peek().pos, Msg: fmt.Sprintf("a list has at most %d values", MaxListSize)}
		}
		if p.isPunct(",") {
			p.next()
			continue
		}
		if err := p.expectPunct(")"); err != nil {
			return Value{}, err
		}
		return List(vs...), nil
	}
}

// event reads count(TYPE [where PROPERTY OP "VALUE"] [in last N days]) OP N.
func (p *parser) event() (Expr, error) {
	start := p.next()
	p.next() // (
	tt := p.peek()
	if tt.kind != tokWord && tt.kind != tokString {
		return nil, p.errAt(tt, "expected an event type such as page_view")
	}
	p.next()
	e := EventCond{Type: tt.text}
	if !eventType.MatchString(e.Type) {
		return nil, &Error{Pos: tt.pos, Msg: checkEvent(e)}
	}
	if p.isWord("where") {
		p.next()
		pt := p.peek()
		if pt.kind != tokWord {
			return nil, p.errAt(pt, "expected an event property such as page_url")
		}
		p.next()
		if !customKey.MatchString(pt.text) {
			return nil, &Error{Pos: pt.pos, Msg: checkEvent(EventCond{Type: e.Type, Where: &PropertyMatch{Property: pt.text}})}
		}
		op, ot, ok := p.op()
		if !ok || !slices.Contains(propertyOps, op) {
			return nil, p.errAt(ot, "expected one of %s", opNames(propertyOps))
		}
		vt := p.peek()
		if vt.kind != tokString && (vt.kind != tokWord || isKeyword(vt.text)) {
			return nil, p.errAt(vt, "expected text in quotes")
		}
		p.next()
		e.Where = &PropertyMatch{Property: pt.text, Op: op, Value: vt.text}
	}
	if p.isWord("in") {
		p.next()
		if err := p.expectWord("last"); err != nil {
			return nil, err
		}
		n, nt, err := p.integer()
		if err != nil {
			return nil, err
		}
		if n < 1 || n > MaxDays {
			return nil, &Error{Pos: nt.pos, Msg: fmt.Sprintf("an event window is 1 to %d days", MaxDays)}
		}
		e.WithinDays = n
		if err := p.expectWord("days"); err != nil {
			return nil, err
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, err
	}
	op, ot, ok := p.op()
	if !ok || !slices.Contains(countOps, op) {
		return nil, p.errAt(ot, "expected a comparison of the count (one of %s)", opNames(countOps))
	}
	e.Op = op
	n, nt, err := p.integer()
	if err != nil {
		return nil, err
	}
	e.Count = n
	if msg := checkEvent(e); msg != "" {
		pos := nt.pos
		if e.Where != nil && len(e.Where.Value) > 1000 {
			pos = start.pos
		}
		return nil, &Error{Pos: pos, Msg: msg}
	}
	return e, nil
}

// Format writes the text form of an expression; ParseText reads it back.
func Format(e Expr) string {
	var b strings.Builder
	format(&b, e, false)
	return b.String()
}

func format(b *strings.Builder, e Expr, nested bool) {
	switch x := e.(type) {
	case And:
		formatGroup(b, x.Terms, " and ", nested)
	case Or:
		formatGroup(b, x.Terms, " or ", nested)
	case Not:
		b.WriteString("not ")
		format(b, x.Term, true)
	case Cond:
		b.WriteString(x.Field)
		b.WriteByte(' ')
		if x.Op == OpWithinLast {
			fmt.Fprintf(b, "within last %s days", formatNumber(x.Value.Number))
			return
		}
		b.WriteString(opText(x.Op))
		if x.Value.Kind != KindNone {
			b.WriteByte(' ')
			formatValue(b, x.Value)
		}
	case EventCond:
		b.WriteString("count(")
		b.WriteString(x.Type)
		if x.Where != nil {
			fmt.Fprintf(b, " where %s %s %s", x.Where.Property, opText(x.Where.Op), strconv.Quote(x.Where.Value))
		}
		if x.WithinDays > 0 {
			fmt.Fprintf(b, " in last %d days", x.WithinDays)
		}
		fmt.Fprintf(b, ") %s %d", x.Op, x.Count)
	}
}

func formatGroup(b *strings.Builder, terms []Expr, sep string, nested bool) {
	switch len(terms) {
	case 0:
		b.WriteString("all")
		return
	case 1:
		format(b, terms[0], nested)
		return
	}
	if nested {
		b.WriteByte('(')
	}
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		format(b, t, true)
	}
	if nested {
		b.WriteByte(')')
	}
}

func formatValue(b *strings.Builder, v Value) {
	switch v.Kind {
	case KindText:
		b.WriteString(strconv.Quote(v.Text))
	case KindNumber:
		b.WriteString(formatNumber(v.Number))
	case KindTime:
		b.WriteString(formatTime(v.Time))
	case KindList:
		b.WriteByte('(')
		for i, x := range v.List {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, x)
		}
		b.WriteByte(')')
	}
}

func formatNumber(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

func formatTime(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}

func opText(o Op) string {
	switch o {
	case OpStartsWith:
		return "starts with"
	case OpIsEmpty:
		return "is empty"
	case OpIsSet:
		return "is set"
	case OpWithinLast:
		return "within last"
	}
	return string(o)
}

// Normalize removes groups of one term, the form ParseText(Format(e)) returns.
func Normalize(e Expr) Expr {
	switch x := e.(type) {
	case And:
		if len(x.Terms) == 1 {
			return Normalize(x.Terms[0])
		}
		out := And{}
		for _, t := range x.Terms {
			out.Terms = append(out.Terms, Normalize(t))
		}
		return out
	case Or:
		if len(x.Terms) == 1 {
			return Normalize(x.Terms[0])
		}
		out := Or{}
		for _, t := range x.Terms {
			out.Terms = append(out.Terms, Normalize(t))
		}
		return out
	case Not:
		return Not{Normalize(x.Term)}
	}
	return e
}
