package web

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var hitSeeds = []string{
	`{"type":"page_view","visitor_id":"v1","page_url":"https://x.test/?a=1\u0026b=2","referrer":"","title":"Home"}`,
	`{"type":"identify","visitor_id":"v1","email":"a@b.test","consent":true}`,
	`{"type":"page_view","visitor_id":"v1","consent":false,"consent":true}`,
	`{"type":"page_view","visitor_id":"v1","traits":{"first_name":"Ann"}}`,
	`{"Type":"page_view","visitor_id":"v1"}`, `{"TITLE":"x","title":"y"}`, `{"title":"x","TITLE":"y"}`,
	`{"type":"page_view","visitor_id":null}`, `{"consent":"yes"}`, `{"title":true}`, `{"other":"x","type":"page_view"}`,
	`{"type":"page_view"`, `{}`, `[]`, ``, "{\"title\":\"\xff\"}", `{"title":"\ud83d"}`, `{"title":"a"} {}`,
}

// TestDecodeHitEqualsEncodingJSON holds the hand-read hit to encoding/json's: the same
// fields, and an error exactly when encoding/json has one.
func TestDecodeHitEqualsEncodingJSON(t *testing.T) {
	for _, s := range hitSeeds {
		checkDecodeHit(t, []byte(s))
	}
}

func checkDecodeHit(t *testing.T, in []byte) {
	var got, want hitIn
	gotErr := decodeHit(in, &got)
	wantErr := json.Unmarshal(in, &want)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("decodeHit(%q) error %v, encoding/json %v", in, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeHit(%q) = %#v, encoding/json %#v", in, got, want)
	}
}

func FuzzDecodeHit(f *testing.F) {
	for _, s := range hitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecodeHit(t, in) })
}

func TestValidVisitorEqualsVisitorRe(t *testing.T) {
	long := strings.Repeat("a", 128)
	for _, id := range []string{"", "a", "A.b_c:d-9", long, long + "a", "a b", "a/b", "é", "a\n", "a\x00", "ab\u212a"} {
		if got, want := validVisitor(id), visitorRe.MatchString(id); got != want {
			t.Errorf("validVisitor(%q) = %v, visitorRe %v", id, got, want)
		}
	}
}

func FuzzValidVisitor(f *testing.F) {
	for _, s := range []string{"run01000000", "", "\x00", "\xff", strings.Repeat("a", 129), "é", "a\n", "ab\u212a", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := validVisitor(id), visitorRe.MatchString(id); got != want {
			t.Fatalf("validVisitor(%q) = %v, visitorRe %v", id, got, want)
		}
	})
}
