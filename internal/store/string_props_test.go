package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestStringPropsEqualsEncodingJSON holds stringProps, which reads flat objects by
// hand, to what encoding/json reads: every string member, nothing else.
func TestStringPropsEqualsEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`{}`, `{"page_url":"https://x.test/p?utm_source=a\u0026utm_medium=b","referrer":"","title":"\u003cHome\u003e"}`,
		`{"a":"b","a":"c"}`, `{"a":"b","n":1,"t":true,"o":{"x":"y"},"z":null}`, `{"a":"b","a":1}`, `{"a":"\ud83d\ude00"}`,
		"{\"a\":\"\xff\"}", `not json`, ``, `{"a":"b"`, `{"a":true,"a":"s"}`,
	} {
		var m map[string]any
		_ = json.Unmarshal([]byte(raw), &m)
		want := map[string]string{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				want[k] = s
			}
		}
		if got := stringProps(raw); !reflect.DeepEqual(got, want) {
			t.Errorf("stringProps(%q) = %#v, want %#v", raw, got, want)
		}
	}
}
