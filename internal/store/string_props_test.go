package store

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/attribution"
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

// TestStoredTouchesEqualFromProperties holds the map-free readings of a page view's
// touch to attribution.FromProperties of its stored properties.
func TestStoredTouchesEqualFromProperties(t *testing.T) {
	for _, props := range []map[string]any{
		{}, {"title": "Home", "page_url": " https://x.test/p?utm_source=a&utm_medium=b ", "referrer": "https://g.test/"},
		{"page_url": "https://x.test/?utm_campaign=c", "utm_campaign": "own", "n": 3, "utm_term": true},
		{"title": "bad \xff", "page_url": "https://x.test/?utm_source=\xfe"}, {"utm_content": "<&>"},
	} {
		b, err := json.Marshal(props)
		if err != nil {
			t.Fatal(err)
		}
		want := attribution.FromProperties(stringProps(string(b)))
		if got := storedWeb(string(b)); got != want {
			t.Errorf("storedWeb(%s) = %+v, want %+v", b, got, want)
		}
		if got := storedTouch(props, string(b)); got != want {
			t.Errorf("storedTouch(%v) = %+v, want %+v", props, got, want)
		}
	}
}
