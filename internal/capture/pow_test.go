package capture

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

var powKey = []byte("0123456789abcdef0123456789abcdef")

func TestVerifyProof(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := IssueChallenge(powKey, "demo", 10, now)
	if c.Difficulty != 10 || !c.ExpiresAt.Equal(now.Add(PowLifetime)) || !strings.HasPrefix(c.Text, "p1.demo.") {
		t.Fatalf("challenge = %+v", c)
	}
	good := SolveChallenge(c.Text, 10)
	p, err := VerifyProof(powKey, "demo", good, now.Add(time.Minute))
	if err != nil || p.Challenge != strings.Split(c.Text, ".")[4] || !p.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("good proof: %+v, %v", p, err)
	}
	// A number that does not solve it: the next one that fails.
	var bad string
	for n := 0; ; n++ {
		bad = c.Text + "." + itoaTest(n)
		if _, err := VerifyProof(powKey, "demo", bad, now); err != nil {
			break
		}
	}
	tampered := strings.Replace(good, ".10.", ".11.", 1)
	for _, tt := range []struct {
		name, slug, proof string
		at                time.Time
		want              error
	}{
		{"missing", "demo", "", now, ErrProofMissing},
		{"unsolved", "demo", bad, now, ErrProofInvalid},
		{"tampered difficulty", "demo", tampered, now, ErrProofInvalid},
		{"other key", "demo", SolveChallenge(IssueChallenge([]byte("other"), "demo", 10, now).Text, 10), now, ErrProofInvalid},
		{"other form", "pricing", good, now, ErrProofInvalid},
		{"expired", "demo", good, c.ExpiresAt, ErrProofExpired},
		{"too easy", "demo", SolveChallenge(IssueChallenge(powKey, "demo", 4, now).Text, 4), now, ErrProofInvalid},
		{"huge number", "demo", c.Text + ".12345678901234567", now, ErrProofInvalid},
		{"signed number", "demo", c.Text + ".-1", now, ErrProofInvalid},
		{"long", "demo", strings.Repeat("p1.", 100), now, ErrProofInvalid},
	} {
		if _, err := VerifyProof(powKey, tt.slug, tt.proof, tt.at); err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func itoaTest(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// FuzzVerifyProof: whatever a bot posts as _pow, the check answers without
// panicking, and accepts nothing it did not sign and see solved.
func FuzzVerifyProof(f *testing.F) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := IssueChallenge(powKey, "demo", 8, now)
	f.Add(SolveChallenge(c.Text, 8))
	f.Add(c.Text + ".0")
	f.Add("p1.demo.1.8.x.y.1")
	f.Add("")
	f.Add("p1.demo..........")
	f.Add("\x00\xff.")
	f.Fuzz(func(t *testing.T, proof string) {
		p, err := VerifyProof(powKey, "demo", proof, now)
		if err == nil && (!strings.HasPrefix(proof, "p1.demo.") || LeadingZeroBits(sha256.Sum256([]byte(proof))) < 8 || p.Challenge == "") {
			t.Fatalf("accepted %q", proof)
		}
	})
}

// BenchmarkVerifyProof is the server's cost of one proof: one HMAC and one hash.
func BenchmarkVerifyProof(b *testing.B) {
	now := time.Now()
	proof := SolveChallenge(IssueChallenge(powKey, "demo", 16, now).Text, 16)
	for b.Loop() {
		if _, err := VerifyProof(powKey, "demo", proof, now); err != nil {
			b.Fatal(err)
		}
	}
}
