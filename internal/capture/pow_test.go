package capture

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

var powKey = []byte("0123456789abcdef0123456789abcdef")

func decodeTest(t *testing.T, payload string) Payload {
	t.Helper()
	p, err := DecodePayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIssueChallenge checks a challenge against the ALTCHA protocol by hand: the
// hash of salt+number, the HMAC of the challenge, the expiry and form in the salt.
func TestIssueChallenge(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := IssueChallenge(powKey, "demo", 10, now)
	if c.Algorithm != "SHA-256" || c.MaxNumber != 1024 || !strings.HasSuffix(c.Salt, "?expires=1777627800&form=demo&") {
		t.Fatalf("challenge = %+v", c) // 1777626000 is 09:00, plus 30 minutes
	}
	m := hmac.New(sha256.New, powKey)
	m.Write([]byte(c.Challenge))
	if c.Signature != hex.EncodeToString(m.Sum(nil)) {
		t.Fatal("signature is not the HMAC-SHA-256 of the challenge")
	}
	p := decodeTest(t, SolveChallenge(c))
	sum := sha256.Sum256([]byte(c.Salt + strconv.FormatInt(p.Number, 10)))
	if hex.EncodeToString(sum[:]) != c.Challenge || p.Number > 1024 {
		t.Fatalf("number %d does not solve the challenge", p.Number)
	}
}

func TestVerifyProof(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := IssueChallenge(powKey, "demo", 10, now)
	good := SolveChallenge(c)
	p, err := VerifyProof(powKey, "demo", good, now.Add(time.Minute))
	if err != nil || p.Challenge != c.Challenge || !p.ExpiresAt.Equal(now.Add(PowLifetime)) {
		t.Fatalf("good proof: %+v, %v", p, err)
	}
	// The widget posts standard base64 with padding; without padding is read too.
	if _, err := VerifyProof(powKey, "demo", strings.TrimRight(good, "="), now); err != nil {
		t.Fatalf("unpadded payload: %v", err)
	}
	edit := func(f func(*Payload)) string {
		q := decodeTest(t, good)
		f(&q)
		return q.Encode()
	}
	sol := decodeTest(t, good)
	// Digits of the number moved into the salt keep the hash the same: the salt's
	// strict format refuses it.
	var spliced string
	if s := strconv.FormatInt(sol.Number, 10); len(s) > 1 {
		spliced = edit(func(q *Payload) { q.Salt += s[:1]; q.Number, _ = strconv.ParseInt(s[1:], 10, 64) })
	} else {
		spliced = edit(func(q *Payload) { q.Salt += "1" })
	}
	other := IssueChallenge(powKey, "pricing", 10, now)
	for _, tt := range []struct {
		name, slug, payload string
		at                  time.Time
		want                error
	}{
		{"missing", "demo", "", now, ErrProofMissing},
		{"wrong number", "demo", edit(func(q *Payload) { q.Number = (q.Number + 1) % 1024 }), now, ErrProofInvalid},
		{"forged signature", "demo", edit(func(q *Payload) { q.Signature = strings.Repeat("0", 64) }), now, ErrProofInvalid},
		{"other key", "demo", SolveChallenge(IssueChallenge([]byte("other"), "demo", 10, now)), now, ErrProofInvalid},
		{"other form", "demo", SolveChallenge(other), now, ErrProofInvalid},
		{"form renamed in the salt", "pricing", edit(func(q *Payload) { q.Salt = strings.Replace(q.Salt, "form=demo", "form=pricing", 1) }), now, ErrProofInvalid},
		{"expiry stretched in the salt", "demo", edit(func(q *Payload) { q.Salt = strings.Replace(q.Salt, "expires=1", "expires=9", 1) }), expiresOf(c), ErrProofInvalid},
		{"spliced number", "demo", spliced, now, ErrProofInvalid},
		{"expired", "demo", good, now.Add(PowLifetime), ErrProofExpired},
		{"other algorithm", "demo", edit(func(q *Payload) { q.Algorithm = "SHA-1" }), now, ErrProofInvalid},
		{"negative number", "demo", edit(func(q *Payload) { q.Number = -1 }), now, ErrProofInvalid},
		{"not base64", "demo", "%%%", now, ErrProofInvalid},
		{"not JSON", "demo", base64.StdEncoding.EncodeToString([]byte("[1,2]")), now, ErrProofInvalid},
		{"long", "demo", strings.Repeat("A", 2000), now, ErrProofInvalid},
	} {
		if _, err := VerifyProof(powKey, tt.slug, tt.payload, tt.at); err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// expiresOf is when a challenge expires, read back from its salt.
func expiresOf(c Challenge) time.Time {
	m := saltRe.FindStringSubmatch(c.Salt)
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return time.Unix(n, 0)
}

// FuzzVerifyProof: whatever a bot posts as altcha, the decoder and the check answer
// without panicking, and accept nothing that was not signed and solved.
func FuzzVerifyProof(f *testing.F) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := IssueChallenge(powKey, "demo", 8, now)
	good := SolveChallenge(c)
	f.Add(good)
	f.Add(strings.TrimRight(good, "="))
	f.Add(Payload{Algorithm: "SHA-256", Challenge: c.Challenge, Salt: c.Salt, Signature: c.Signature}.Encode())
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"number":1e99}`)))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"algorithm":"SHA-256","number":-5,"salt":"?expires=&form=&"}`)))
	f.Add("")
	f.Add("\x00\xff=")
	f.Fuzz(func(t *testing.T, payload string) {
		p, err := VerifyProof(powKey, "demo", payload, now)
		if err != nil {
			return
		}
		q, derr := DecodePayload(payload)
		raw, _ := json.Marshal(q)
		// (Each fuzzing process issues its own challenge, so the check is by the key.)
		if derr != nil || p.Challenge != q.Challenge || q.Signature != powMAC(powKey, q.Challenge) || powHash(q.Salt, q.Number) != q.Challenge || !strings.HasSuffix(q.Salt, "&form=demo&") {
			t.Fatalf("accepted %q (%s)", payload, raw)
		}
	})
}

// BenchmarkVerifyProof is the server's cost of one proof: one HMAC and one hash.
func BenchmarkVerifyProof(b *testing.B) {
	now := time.Now()
	proof := SolveChallenge(IssueChallenge(powKey, "demo", 16, now))
	for b.Loop() {
		if _, err := VerifyProof(powKey, "demo", proof, now); err != nil {
			b.Fatal(err)
		}
	}
}
