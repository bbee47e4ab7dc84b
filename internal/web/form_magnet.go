package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// A form's lead magnet file is given only to a person who sent the form: a committed
// submission mints a token, signed with the workspace's form secret, that the
// thank-you page turns into a download link. The token names no contact; it is good
// for magnetTokenTTL, long enough to come back to the page later.
const magnetTokenTTL = 30 * 24 * time.Hour

// magnetToken mints a download token for one submission of the form with this slug.
func (s *Server) magnetToken(r *http.Request, slug string, now time.Time) string {
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	issued := strconv.FormatInt(now.Unix(), 36)
	msg := issued + "." + hex.EncodeToString(nonce)
	return msg + "." + s.sign(r, "form-magnet:"+slug+":"+msg)
}

// magnetTokenValid checks a token's signature for this form and its age.
func (s *Server) magnetTokenValid(r *http.Request, slug, token string, now time.Time) bool {
	if len(token) > 100 {
		return false
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return false
	}
	msg, sig := token[:i], token[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign(r, "form-magnet:"+slug+":"+msg))) {
		return false
	}
	issued, _, _ := strings.Cut(msg, ".")
	sec, err := strconv.ParseInt(issued, 36, 64)
	return err == nil && now.Sub(time.Unix(sec, 0)) < magnetTokenTTL
}

// magnetPath is where the person behind a committed submission downloads the form's
// lead magnet file, or "" when the form has none (or nothing was stored: a bot).
func (s *Server) magnetPath(r *http.Request, form *store.Form, res store.Captured) string {
	if !form.HasMagnet || res.ContactID == 0 {
		return ""
	}
	return "/f/" + form.Slug + "/magnet/" + s.magnetToken(r, form.Slug, time.Now())
}

// thanksPath is the thank-you page a browser is sent to, carrying the download token.
func (s *Server) thanksPath(r *http.Request, form *store.Form, res store.Captured) string {
	if p := s.magnetPath(r, form, res); p != "" {
		return "/f/" + form.Slug + "/thanks?download=" + p[strings.LastIndexByte(p, '/')+1:]
	}
	return "/f/" + form.Slug + "/thanks"
}

// thanksMagnet is the download link the thank-you page shows, from its token.
func (s *Server) thanksMagnet(r *http.Request, form *store.Form) string {
	token := r.URL.Query().Get("download")
	if !form.HasMagnet || token == "" || !s.magnetTokenValid(r, form.Slug, token, time.Now()) {
		return ""
	}
	return "/f/" + form.Slug + "/magnet/" + token
}

// handleFormMagnet is GET /f/{slug}/magnet/{token}: the lead magnet file, as an
// attachment of the type sniffed when it was uploaded. A wrong or old token, or a
// form without a file, is not found.
func (s *Server) handleFormMagnet(w http.ResponseWriter, r *http.Request) {
	form, _, err := s.loadForm(r)
	if err == nil && !s.magnetTokenValid(r, form.Slug, r.PathValue("token"), time.Now()) {
		err = errs.NotFoundf("no such download")
	}
	var m *store.FormMagnet
	if err == nil {
		m, err = s.store.FormMagnetFile(r.Context(), form.ID)
		if errs.Code(err) == errs.NotFound {
			err = errs.NotFoundf("no such download")
		}
	}
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.FileName}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", m.CreatedAt, bytes.NewReader(m.Data))
}

// readMagnetUpload reads a lead magnet file: multipart/form-data with the file in a
// part named file, or the file itself as the body, its name in ?file_name= or a
// Content-Disposition header. Its type is sniffed from its bytes; the body's stated
// type only tells these two ways apart.
func readMagnetUpload(r *http.Request) (name, contentType string, data []byte, err error) {
	tooLarge := errs.E(errs.TooLarge, "file", "the file is larger than %d MiB", capture.MaxMagnetSize>>20)
	read := func(src io.Reader) ([]byte, error) {
		b, err := io.ReadAll(io.LimitReader(src, capture.MaxMagnetSize+1))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || len(b) > capture.MaxMagnetSize {
			return nil, tooLarge
		}
		if err != nil {
			return nil, errs.Field("file", "the upload could not be read")
		}
		return b, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "", "application/json", "application/x-www-form-urlencoded":
		// JSON or a form is never the file itself (curl's --data-binary says a form
		// unless told otherwise): refused before a byte of it is read.
		return "", "", nil, errs.E(errs.Unsupported, "file", "send the file with its own type (application/pdf, application/octet-stream, …) as the body, or as multipart/form-data in a part named file")
	}
	if mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return "", "", nil, errs.Field("file", "the upload could not be read")
		}
		found := false
		for {
			part, perr := mr.NextPart()
			if errors.Is(perr, io.EOF) {
				break
			}
			if perr != nil {
				return "", "", nil, errsOr(perr, errs.Field("file", "the upload could not be read"))
			}
			if part.FormName() != "file" {
				continue
			}
			if found {
				return "", "", nil, errs.Field("file", "send one file")
			}
			found, name = true, part.FileName()
			if data, err = read(part); err != nil {
				return "", "", nil, err
			}
		}
		if !found {
			return "", "", nil, errs.Field("file", "choose a file to give on the thank-you page")
		}
	} else {
		name = r.URL.Query().Get("file_name")
		if name == "" {
			if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
				name = p["filename"]
			}
		}
		if data, err = read(r.Body); err != nil {
			return "", "", nil, err
		}
	}
	name = capture.MagnetFileName(name)
	contentType, terr := capture.MagnetType(name, data)
	if terr != nil {
		return "", "", nil, errs.Field("file", "%s", terr.Error())
	}
	return name, contentType, data, nil
}

// saveMagnet stores an upload as the form's lead magnet file.
func (s *Server) saveMagnet(ctx context.Context, r *http.Request, formID int64, actor string) (*store.FormMagnet, error) {
	f, err := s.store.Form(ctx, formID)
	if err != nil {
		return nil, err
	}
	var def capture.FormDefinition
	if err := json.Unmarshal(f.Definition, &def); err != nil {
		return nil, err
	}
	if def.ThankYou.RedirectURL != "" {
		return nil, errs.Field("file", "this form sends visitors to your own thank-you page, where Lodestone cannot offer a file; clear the thank-you redirect first, or give the file as a lead magnet link")
	}
	name, ct, data, err := readMagnetUpload(r)
	if err != nil {
		return nil, err
	}
	m, err := s.store.SaveFormMagnet(ctx, formID, name, ct, data, actor)
	if err == nil {
		s.forms.forget()
	}
	return m, err
}

// handlePutFormMagnet is PUT /api/v1/forms/{id}/magnet: give or replace the file.
func (s *Server) handlePutFormMagnet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.saveMagnet(r.Context(), r, id, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) handleGetFormMagnet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.store.FormMagnet(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) handleDeleteFormMagnet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteFormMagnet(r.Context(), id, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	s.forms.forget()
	writeJSON(w, http.StatusOK, map[string]any{"deleted": id})
	return nil
}

// uploadFormMagnet is POST /forms/{id}/magnet, the builder's upload; a refusal shows
// the form again with the reason beside the file field.
func (u *ui) uploadFormMagnet(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := u.s.saveMagnet(r.Context(), r, id, p.Actor()); err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != "file" {
			return err
		}
		return u.showFormWithMagnetError(w, r, p, id, e.Message)
	}
	http.Redirect(w, r, "/forms/"+strconv.FormatInt(id, 10)+"?saved=1#lead-magnet", http.StatusSeeOther)
	return nil
}

// deleteFormMagnetPage is POST /forms/{id}/magnet/delete.
func (u *ui) deleteFormMagnetPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := u.s.store.DeleteFormMagnet(r.Context(), id, p.Actor()); err != nil && errs.Code(err) != errs.NotFound {
		return err
	}
	u.s.forms.forget()
	http.Redirect(w, r, "/forms/"+strconv.FormatInt(id, 10)+"?saved=1#lead-magnet", http.StatusSeeOther)
	return nil
}

func (u *ui) showFormWithMagnetError(w http.ResponseWriter, r *http.Request, p *Principal, id int64, msg string) error {
	f, e, err := u.savedFormEditor(r, p, id)
	if err != nil {
		return err
	}
	e.Errors["magnet_file"] = msg
	u.render(w, r, http.StatusUnprocessableEntity, "form", view{Title: f.Name, Nav: "forms", User: p, Data: e})
	return nil
}

// sign is a message's HMAC under the workspace's form secret, cut to 128 bits.
func (s *Server) sign(r *http.Request, msg string) string {
	m := hmac.New(sha256.New, s.formSecret(r.Context()))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// redirectBesideMagnet refuses a thank-you redirect on a saved form that gives a
// lead magnet file: the file is offered on Lodestone's thank-you page, which a
// redirect skips.
func (s *Server) redirectBesideMagnet(ctx context.Context, id int64, def *capture.FormDefinition) error {
	if id == 0 || def.ThankYou.RedirectURL == "" {
		return nil
	}
	f, err := s.store.Form(ctx, id)
	if err != nil {
		return err
	}
	if f.HasMagnet {
		return errs.Field("thank_you.redirect_url", "this form gives a lead magnet file on Lodestone's thank-you page, which a redirect skips; remove the file first, or leave the redirect empty")
	}
	return nil
}
