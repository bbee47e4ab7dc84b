package flatjson

import (
	"encoding/json"
	"reflect"
	"testing"
)

var seeds = []string{
	`{}`, ` { } `, `{"a":"b"}`, `{"a":"b","c":true,"d":false}`, `{"a":"b","a":"c"}`,
	`{"page_url":"https://x.test/?utm_source=g\u0026utm_medium=cpc","title":"\u003cb\u003e"}`,
	`{"a":"\"\\\/\b\f\n\r\t"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\ud83d"}`, `{"a":"é ü 😀"}`,
	"{\"a\":\"\xff\"}", "{\"a\":\"\x01\"}", `{"a":1}`, `{"a":null}`, `{"a":{}}`, `{"a":[]}`,
	`{"a":"b",}`, `{"a":"b"} x`, `{"a":"b"`, `{"a" "b"}`, `{"a":tru}`, `{"a":truex}`, `{"a":"\x"}`,
	`{"a":"\u12"}`, `{"A":"b","a":"c"}`, `[]`, `""`, ``, `{"a":"b"}{}`, "\t{\n\"a\"\r:\"b\" }\n",
}

// members is what Each gives, as encoding/json would put it in a map.
func members(b []byte) (map[string]any, bool) {
	return gather(func(fn func(k, v string, isString, truth bool) bool) bool { return Each(b, fn) })
}

// stringMembers is members read by EachString.
func stringMembers(s string) (map[string]any, bool) {
	return gather(func(fn func(k, v string, isString, truth bool) bool) bool { return EachString(s, fn) })
}

// gather puts the members an iteration gives in a map.
func gather(each func(fn func(k, v string, isString, truth bool) bool) bool) (map[string]any, bool) {
	m := map[string]any{}
	ok := each(func(k, v string, isString, truth bool) bool {
		if isString {
			m[k] = v
		} else {
			m[k] = truth
		}
		return true
	})
	return m, ok
}

func check(t *testing.T, in []byte) {
	got, ok := members(in)
	if fromString, sok := stringMembers(string(in)); sok != ok || !reflect.DeepEqual(fromString, got) {
		t.Fatalf("EachString read %q as %#v (%v), Each as %#v (%v)", in, fromString, sok, got, ok)
	}
	if !ok {
		return
	}
	var want map[string]any
	if err := json.Unmarshal(in, &want); err != nil {
		t.Fatalf("Each took %q, encoding/json refuses it: %v", in, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Each read %q as %#v, encoding/json as %#v", in, got, want)
	}
}

func TestEachAgreesWithEncodingJSON(t *testing.T) {
	taken := 0
	for _, s := range seeds {
		check(t, []byte(s))
		if _, ok := members([]byte(s)); ok {
			taken++
		}
	}
	if taken < 10 {
		t.Fatalf("Each took only %d of the seeds", taken)
	}
}

func FuzzEach(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { check(t, in) })
}
