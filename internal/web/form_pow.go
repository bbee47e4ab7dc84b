package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/capture"
)

// formSecret is the workspace key that signs form timestamps and proof-of-work
// challenges, shared by every node through the database.
func (s *Server) formSecret(ctx context.Context) []byte {
	if key := s.formKey.Load(); key != nil {
		return *key
	}
	k, err := s.store.Secret(ctx, "forms")
	if err != nil || len(k) == 0 {
		// Never sign or check with an empty key, which anyone could forge: while the
		// database fails, use a key known to no one, and so accept no stamp or proof.
		s.log.Error("form secret", "err", err)
		k = make([]byte, 32)
		rand.Read(k)
		return k
	}
	s.formKey.Store(&k)
	return k
}

// handleFormChallenge is GET /f/{slug}/challenge: a fresh proof-of-work challenge in
// the ALTCHA protocol, fetched by the widget on the hosted page, in the embedded form
// and in the plain HTML form (from the form's allowed origins).
func (s *Server) handleFormChallenge(w http.ResponseWriter, r *http.Request) {
	_, def, err := s.loadForm(r)
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	s.allowOrigin(w, r, def)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, capture.IssueChallenge(s.formSecret(r.Context()), def.Slug, def.ProofOfWork.Bits(), time.Now()))
}

// keyedPost reports whether a JSON post carries a valid API key that may record
// leads: programs posting server to server skip the proof of work.
func (s *Server) keyedPost(r *http.Request) bool {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return false
	}
	p, err := s.authenticate(r)
	return err == nil && auth.Can(p.Role, auth.WriteLeads)
}

// altchaFile is the ALTCHA widget, vendored as published (see static/VENDORED.md).
const altchaFile = "static/altcha.min.js"

// altchaScript is the URL of the ALTCHA widget, with its content hash so it may be
// cached for good.
var altchaScript = sync.OnceValue(func() string {
	b, err := staticFiles.ReadFile(altchaFile)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return "/" + altchaFile + "?v=" + hex.EncodeToString(sum[:6])
})
