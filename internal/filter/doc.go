// Package filter is Lodestone's one predicate language: segments, fit rules and
// later routing and sharing rules all say which contacts they mean with it.
//
// A filter is a tree of Expr: And, Or and Not over Cond (a contact, company or
// consent field compared with a value) and EventCond (a count of the contact's
// events of a type, optionally only those whose property matches and those of
// the last N days, compared with a number).
//
// It has two written forms that carry the same tree:
//
//   - the text form shown and edited in the UI, read by ParseText (or Parse)
//     and written by Format:
//     stage in ("mql", "sql") and count(page_view where page_url contains "/pricing" in last 14 days) >= 2
//   - the JSON form of the API, read by ParseJSON and written by MarshalJSON;
//     Filter implements json.Marshaler and json.Unmarshaler so it can sit in
//     a stored rule.
//
// Both parsers check fields, operators and values: an unknown field or a value
// of the wrong type is an *Error naming a position in the text (Pos) or a
// JSON path (Path). Check validates a tree built in code.
//
// A filter runs two ways that give the same members:
//
//   - Eval (or Filter.Match) on a Record in memory, given the time "now";
//   - SQL (or Filter.SQL), a WHERE condition over
//     "contacts c LEFT JOIN companies co ON co.id = c.company_id" for SQLite or
//     PostgreSQL, with every value bound as a ? argument.
//
// A merged contact never matches. Text comparisons are exact for = and in, and
// ignore the case of ASCII letters for contains and starts with. Custom fields
// and event properties compare as text. Fields lists what a filter can use.
package filter
