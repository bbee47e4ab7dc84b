package capture

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"strconv"
	"time"
)

// Proof of work for public forms, in the ALTCHA protocol so that the ALTCHA widget
// (static/altcha.min.js) solves it in the visitor's browser.
//
// The server picks a salt and a secret number N no larger than maxnumber, and hands
// out the challenge: the hex SHA-256 of salt+N, signed with an HMAC-SHA-256 under the
// workspace's form secret. The browser tries every number from 0 until the hash
// matches, and posts a payload (base64 JSON of algorithm, challenge, number, salt and
// signature) in the form field "altcha". Checking costs the server one HMAC and one
// hash; the browser spends maxnumber/2 hashes on average, which a person does not
// notice and a bot sending thousands of posts pays for each one.
//
// The salt carries the challenge's expiry and the form it is for, as
// "RANDOM?expires=UNIX&form=SLUG&". It is not signed by itself: it is bound by the
// signed hash of salt+N. The closing "&" and the strict format of the salt keep a bot
// from moving digits of N into the salt (to stretch the expiry or name another form)
// while the hash stays the same. Each challenge is spent once
// (store.IngestProved), so a solution cannot be replayed.

// Proof-of-work bounds and defaults. Difficulty is in bits: maxnumber is 2^bits.
const (
	DefaultPowDifficulty = 16 // at most 65,536 hashes, half that on average: unnoticeable on a phone
	MinPowDifficulty     = 8
	MaxPowDifficulty     = 24
	PowLifetime          = 30 * time.Minute
	// ProofField is the form field that carries the widget's payload.
	ProofField = "altcha"
	// PowAlgorithm is the only hash the server issues and accepts.
	PowAlgorithm  = "SHA-256"
	maxPayloadLen = 1000
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
	Difficulty int  `json:"difficulty,omitempty"` // bits: maxnumber is 2^Difficulty; DefaultPowDifficulty when 0
}

// Bits is the difficulty challenges of this form get.
func (p FormProofOfWork) Bits() int {
	if p.Difficulty == 0 {
		return DefaultPowDifficulty
	}
	return p.Difficulty
}

// Challenge is a challenge as the ALTCHA widget reads it.
type Challenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// IssueChallenge signs a new challenge for the form slug, with maxnumber 2^difficulty.
func IssueChallenge(key []byte, slug string, difficulty int, now time.Time) Challenge {
	random := make([]byte, 12)
	_, _ = rand.Read(random)
	exp := now.Add(PowLifetime).Unix()
	salt := hex.EncodeToString(random) + "?expires=" + strconv.FormatInt(exp, 10) + "&form=" + slug + "&"
	maxNumber := int64(1) << difficulty
	n, _ := rand.Int(rand.Reader, big.NewInt(maxNumber+1))
	challenge := powHash(salt, n.Int64())
	return Challenge{Algorithm: PowAlgorithm, Challenge: challenge, MaxNumber: maxNumber, Salt: salt, Signature: powMAC(key, challenge)}
}

func powHash(salt string, n int64) string {
	sum := sha256.Sum256([]byte(salt + strconv.FormatInt(n, 10)))
	return hex.EncodeToString(sum[:])
}

func powMAC(key []byte, challenge string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(challenge))
	return hex.EncodeToString(m.Sum(nil))
}

// Payload is what the widget posts, base64 JSON in the field "altcha".
type Payload struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    int64  `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Encode is the payload as the widget posts it.
func (p Payload) Encode() string {
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}

// DecodePayload reads a posted payload. It checks the shape only, not the proof.
func DecodePayload(s string) (Payload, error) {
	var p Payload
	if len(s) > maxPayloadLen {
		return p, ErrProofInvalid
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return p, ErrProofInvalid
		}
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Payload{}, ErrProofInvalid
	}
	if p.Number < 0 || p.Number > 1<<MaxPowDifficulty || len(p.Challenge) != 64 || len(p.Signature) != 64 {
		return Payload{}, ErrProofInvalid
	}
	return p, nil
}

// saltRe is the only salt IssueChallenge makes.
var saltRe = regexp.MustCompile(`^[0-9a-f]{24}\?expires=([0-9]{1,12})&form=([a-z0-9-]{1,64})&$`)

// Proof is a checked proof of work: the challenge to spend and when it expires.
type Proof struct {
	Challenge string
	ExpiresAt time.Time
}

// VerifyProof checks a posted payload for the form slug at time now: the signature
// of the challenge, the hash of salt+number, the form and the expiry.
func VerifyProof(key []byte, slug, payload string, now time.Time) (Proof, error) {
	if payload == "" {
		return Proof{}, ErrProofMissing
	}
	p, err := DecodePayload(payload)
	if err != nil {
		return Proof{}, err
	}
	if p.Algorithm != PowAlgorithm || !hmac.Equal([]byte(p.Signature), []byte(powMAC(key, p.Challenge))) {
		return Proof{}, ErrProofInvalid
	}
	m := saltRe.FindStringSubmatch(p.Salt)
	if m == nil || m[2] != slug || powHash(p.Salt, p.Number) != p.Challenge {
		return Proof{}, ErrProofInvalid
	}
	exp, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return Proof{}, ErrProofInvalid
	}
	expires := time.Unix(exp, 0).UTC()
	if !now.Before(expires) {
		return Proof{}, ErrProofExpired
	}
	// The challenge names the proof: it is spent once, whatever salt came with it.
	return Proof{Challenge: p.Challenge, ExpiresAt: expires}, nil
}

// SolveChallenge finds the number that solves a challenge, as the widget does, and
// returns the payload to post; for tests and for programs that post without an API
// key. It returns "" when no number up to maxnumber solves it.
func SolveChallenge(c Challenge) string {
	for n := int64(0); n <= c.MaxNumber; n++ {
		if powHash(c.Salt, n) == c.Challenge {
			return Payload{Algorithm: c.Algorithm, Challenge: c.Challenge, Number: n, Salt: c.Salt, Signature: c.Signature}.Encode()
		}
	}
	return ""
}
