package capture

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Proof of work for public forms. The server hands out a challenge that it signed:
//
//	p1.SLUG.EXPIRES.DIFFICULTY.SALT.MAC
//
// (EXPIRES in Unix seconds, SALT 16 random bytes and MAC the first 16 bytes of an
// HMAC-SHA-256 of everything before it, both base64url). The browser looks for a
// number N such that SHA-256 of "CHALLENGE.N" starts with DIFFICULTY zero bits, and
// posts "CHALLENGE.N" as _pow. Checking costs the server one HMAC and one hash; the
// browser spends about 2^DIFFICULTY hashes, which a person does not notice and a
// bot sending thousands of posts pays for each one. The challenge's salt is spent
// once (store.IngestProved), so a solution cannot be replayed.

// Proof-of-work bounds and defaults.
const (
	DefaultPowDifficulty = 16 // about 65,000 hashes: a tenth of a second on a phone
	MinPowDifficulty     = 8
	MaxPowDifficulty     = 24
	PowLifetime          = 30 * time.Minute
	powVersion           = "p1"
	maxProofLen          = 200
)

// Errors of a refused proof, in the visitor's words.
var (
	ErrProofMissing = errors.New("This form checks that it is sent by a person, which needs JavaScript. Please turn JavaScript on and send the form again.")
	ErrProofInvalid = errors.New("We could not check that this form was sent by a person. Please reload the page and send it again.")
	ErrProofExpired = errors.New("This page was open for a long time and its check has expired. Please send the form again.")
)

// FormProofOfWork is a form's setting for the proof of work. When Required, a post
// without a proof is refused (visitors need JavaScript); otherwise a post without one
// is checked by the honeypot, the fill time and the rate limits only. A proof that is
// sent is always checked.
type FormProofOfWork struct {
	Required   bool `json:"required"`
	Difficulty int  `json:"difficulty,omitempty"` // leading zero bits; DefaultPowDifficulty when 0
}

// Bits is the difficulty challenges of this form get.
func (p FormProofOfWork) Bits() int {
	if p.Difficulty == 0 {
		return DefaultPowDifficulty
	}
	return p.Difficulty
}

// Challenge is a challenge as issued.
type Challenge struct {
	Text       string    `json:"challenge"`
	Difficulty int       `json:"difficulty"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// IssueChallenge signs a new challenge for the form slug.
func IssueChallenge(key []byte, slug string, difficulty int, now time.Time) Challenge {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	exp := now.Add(PowLifetime).Truncate(time.Second)
	body := powVersion + "." + slug + "." + strconv.FormatInt(exp.Unix(), 10) + "." + strconv.Itoa(difficulty) + "." +
		base64.RawURLEncoding.EncodeToString(salt)
	return Challenge{Text: body + "." + powMAC(key, body), Difficulty: difficulty, ExpiresAt: exp}
}

func powMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Proof is a checked proof of work: the challenge to spend and when it expires.
type Proof struct {
	Challenge string
	ExpiresAt time.Time
}

// VerifyProof checks a posted proof "CHALLENGE.N" for the form slug at time now.
func VerifyProof(key []byte, slug, proof string, now time.Time) (Proof, error) {
	if proof == "" {
		return Proof{}, ErrProofMissing
	}
	if len(proof) > maxProofLen {
		return Proof{}, ErrProofInvalid
	}
	parts := strings.Split(proof, ".")
	if len(parts) != 7 || parts[0] != powVersion || parts[1] != slug {
		return Proof{}, ErrProofInvalid
	}
	i := strings.LastIndexByte(proof, '.')
	challenge, nonce := proof[:i], parts[6]
	body := challenge[:strings.LastIndexByte(challenge, '.')]
	if !hmac.Equal([]byte(parts[5]), []byte(powMAC(key, body))) {
		return Proof{}, ErrProofInvalid
	}
	exp, err1 := strconv.ParseInt(parts[2], 10, 64)
	diff, err2 := strconv.Atoi(parts[3])
	if err1 != nil || err2 != nil || diff < MinPowDifficulty || diff > MaxPowDifficulty {
		return Proof{}, ErrProofInvalid
	}
	if len(nonce) == 0 || len(nonce) > 16 || strings.Trim(nonce, "0123456789") != "" {
		return Proof{}, ErrProofInvalid
	}
	expires := time.Unix(exp, 0).UTC()
	if !now.Before(expires) {
		return Proof{}, ErrProofExpired
	}
	if LeadingZeroBits(sha256.Sum256([]byte(proof))) < diff {
		return Proof{}, ErrProofInvalid
	}
	// The salt names the challenge: whatever number solved it, it is spent once.
	return Proof{Challenge: parts[4], ExpiresAt: expires}, nil
}

// LeadingZeroBits counts the zero bits a hash starts with.
func LeadingZeroBits(h [32]byte) int {
	n := 0
	for _, b := range h {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// SolveChallenge finds the number that solves a challenge, as the browser does; for
// tests and for programs that post without an API key.
func SolveChallenge(challenge string, difficulty int) string {
	for n := 0; ; n++ {
		p := challenge + "." + strconv.Itoa(n)
		if LeadingZeroBits(sha256.Sum256([]byte(p))) >= difficulty {
			return p
		}
	}
}

// VerifyProofOK reports whether a proof would pass VerifyProof.
func VerifyProofOK(key []byte, slug, proof string) bool {
	_, err := VerifyProof(key, slug, proof, time.Now())
	return err == nil
}
