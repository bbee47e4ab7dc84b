package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/export"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// MaxImportUpload bounds an uploaded CSV file; bigger lists go through
// `lodestone import contacts` on the server.
const MaxImportUpload = 256 << 20

// importJSON is an import as the API shows it.
type importJSON struct {
	*store.Import
	Options     capture.ImportSettings `json:"options"`
	RejectedCSV string                 `json:"rejected_csv,omitempty"`
}

// importView reads an import with the state of its job: an import whose job died is
// failed, with the job's last error.
func (s *Server) importView(ctx context.Context, id int64) (*importJSON, error) {
	imp, err := s.store.Import(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &importJSON{Import: imp}
	_ = json.Unmarshal(imp.Options, &out.Options)
	if !imp.Finished() && imp.JobID != 0 {
		if j, err := s.store.Job(ctx, imp.JobID); err == nil && !j.DeadAt.IsZero() {
			imp.Status, imp.Error = store.ImportFailed, "the import stopped: "+j.LastError
		}
	}
	if imp.Rejected > 0 {
		out.RejectedCSV = "/api/v1/imports/" + itoa(imp.ID) + "/rejected.csv"
	}
	return out, nil
}

// uploadRoute is an API route that takes a file upload: authentication and the role
// check as s.api, a body limit of MaxImportUpload, and no idempotency replay (a
// second upload is a second import).
func (s *Server) uploadRoute(pattern string, perm auth.Permission, h func(http.ResponseWriter, *http.Request) error, doc apiDoc) route {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !auth.Can(p.Role, perm) {
			s.writeError(w, r, errs.E(errs.Forbidden, "", "the role %q may not do this", p.Role))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxImportUpload+1<<20)
		if err := h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p))); err != nil {
			s.writeError(w, r, err)
		}
	})
	doc.upload = true
	return route{pattern: pattern, handler: handler, api: &doc}
}

// importUpload is a parsed upload: the stored draft and the settings sent with it.
type importUpload struct {
	imp      *store.Import
	settings capture.ImportSettings
	campaign string // a campaign name, resolved by resolveCampaign
	values   map[string]string
}

// readImportUpload streams a multipart upload: the part named file goes into the
// database as a draft import as it arrives; the other parts are settings: channel,
// campaign (a name) or campaign_id, consent, existing, mapping (a JSON object of
// column → field) and map (COLUMN=FIELD, repeatable).
func (s *Server) readImportUpload(r *http.Request, actor string) (*importUpload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.E(errs.Unsupported, "", "send the file as multipart/form-data, in a part named file")
	}
	up := &importUpload{values: map[string]string{}}
	fail := func(err error) (*importUpload, error) {
		if up.imp != nil {
			_ = s.store.DiscardImport(context.WithoutCancel(r.Context()), up.imp.ID)
		}
		up.imp = nil
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return up, errs.E(errs.TooLarge, "file", "the upload is larger than %d MiB", MaxImportUpload>>20)
		}
		return up, err // the settings sent, to show the form again
	}
	maps := []string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(errsOr(err, errs.Field("file", "the upload could not be read")))
		}
		name := part.FormName()
		if name == "file" {
			if up.imp != nil {
				return fail(errs.Field("file", "send one file per import"))
			}
			fileName := filepath.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
			if fileName == "." || fileName == "/" || !utf8.ValidString(fileName) || len(fileName) > 200 {
				fileName = "upload.csv"
			}
			up.imp, err = s.store.CreateImport(r.Context(), fileName, nil, part, MaxImportUpload, actor)
			if err != nil {
				return fail(err)
			}
			continue
		}
		v, err := readPart(part)
		if err != nil {
			return fail(err)
		}
		if name == "map" {
			maps = append(maps, v)
		} else {
			up.values[name] = v
		}
	}
	if up.imp == nil {
		return fail(errs.Field("file", "choose a CSV file to import"))
	}
	if err := up.parseSettings(maps); err != nil {
		return fail(err)
	}
	return up, nil
}

func errsOr(err error, fallback error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return fallback
}

func readPart(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, 64<<10+1))
	if err != nil {
		return "", errsOr(err, errs.Field(p.FormName(), "could not be read"))
	}
	if len(b) > 64<<10 || !utf8.Valid(b) {
		return "", errs.Field(p.FormName(), "must be UTF-8 text of at most 64 KiB")
	}
	return strings.TrimSpace(string(b)), nil
}

func (up *importUpload) parseSettings(maps []string) error {
	v := up.values
	up.settings = capture.ImportSettings{Channel: v["channel"], Consent: v["consent"], Existing: v["existing"], Mapping: map[string]string{}}
	if v["channel"] == "" {
		return errs.Field("channel", "is required: where the list came from, such as event or purchased_list")
	}
	if id := v["campaign_id"]; id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return errs.Field("campaign_id", "must be a campaign id")
		}
		up.settings.CampaignID = n
	}
	up.campaign = v["campaign"]
	if m := v["mapping"]; m != "" {
		if err := json.Unmarshal([]byte(m), &up.settings.Mapping); err != nil {
			return errs.Field("mapping", "must be a JSON object of column name to field, such as {\"E-Mail\": \"email\"}")
		}
	}
	for _, m := range maps {
		i := strings.LastIndexByte(m, '=')
		if i <= 0 {
			return errs.Field("map", "%q is not COLUMN=FIELD (COLUMN= ignores the column)", m)
		}
		up.settings.Mapping[m[:i]] = m[i+1:]
	}
	return up.settings.Check()
}

// resolveCampaign finds the campaign an upload names, by id or by name.
func (s *Server) resolveCampaign(ctx context.Context, up *importUpload) error {
	switch {
	case up.settings.CampaignID != 0:
		if _, err := s.store.Campaign(ctx, up.settings.CampaignID); err != nil {
			return errs.E(errs.NotFound, "campaign_id", "no campaign with id %d", up.settings.CampaignID)
		}
	case up.campaign != "":
		c, err := s.store.CampaignByName(ctx, up.campaign)
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "campaign", "there is no campaign named %q; create it first, or leave campaign out", up.campaign)
		}
		if err != nil {
			return err
		}
		up.settings.CampaignID = c.ID
	}
	return nil
}

// checkImportHeader reads the stored file's header and checks the mapping against
// it, so a file without an email or phone column is refused at once.
func (s *Server) checkImportHeader(ctx context.Context, imp *store.Import, set capture.ImportSettings) (capture.ImportPreview, error) {
	p, err := capture.PreviewCSV(s.store.ImportFile(ctx, imp.ID), 5)
	var fe *capture.FileError
	if errors.As(err, &fe) {
		return p, errs.Field("file", "%s", fe.Error())
	}
	if err != nil {
		return p, err
	}
	if _, err := capture.MapHeader(p.Header, set.Mapping); err != nil {
		return p, err
	}
	return p, nil
}

// handleCreateImport is POST /api/v1/imports: upload a CSV and start importing it.
func (s *Server) handleCreateImport(w http.ResponseWriter, r *http.Request) error {
	actor := principalOf(r.Context()).Actor()
	up, err := s.readImportUpload(r, actor)
	if err != nil {
		return err
	}
	discard := func(err error) error {
		_ = s.store.DiscardImport(context.WithoutCancel(r.Context()), up.imp.ID)
		return err
	}
	if err := s.resolveCampaign(r.Context(), up); err != nil {
		return discard(err)
	}
	p, err := s.checkImportHeader(r.Context(), up.imp, up.settings)
	if err != nil {
		return discard(err)
	}
	up.settings.Header = p.Header
	opts, _ := json.Marshal(up.settings)
	if _, err := s.store.StartImport(r.Context(), up.imp.ID, opts, actor); err != nil {
		return discard(err)
	}
	out, err := s.importView(r.Context(), up.imp.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/imports/"+itoa(up.imp.ID))
	writeJSON(w, http.StatusAccepted, out)
	return nil
}

func (s *Server) handleGetImport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	out, err := s.importView(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleListImports(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Imports(r.Context(), 100)
	if err != nil {
		return err
	}
	out := make([]*importJSON, 0, len(list))
	for _, imp := range list {
		v, err := s.importView(r.Context(), imp.ID)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"imports": out})
	return nil
}

// handleImportRejected is GET /api/v1/imports/{id}/rejected.csv: the rows the import
// refused, with the row number, the column and the reason, then the row's own
// values; no cell can run as a spreadsheet formula.
func (s *Server) handleImportRejected(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	imp, err := s.store.Import(r.Context(), id)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(imp.FileName, filepath.Ext(imp.FileName)) + ".rejected.csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.Map(safeFileRune, name)+`"`)
	var set capture.ImportSettings
	_ = json.Unmarshal(imp.Options, &set)
	cw, err := export.NewWriter(w)
	if err != nil {
		return nil
	}
	if err := cw.Write(append([]string{"row", "column", "reason"}, set.Header...)...); err != nil {
		return nil
	}
	err = s.store.ImportRejections(r.Context(), id, func(rej store.ImportRejection) error {
		return cw.Write(append([]string{strconv.Itoa(rej.Row), rej.Column, rej.Reason}, rej.Values...)...)
	})
	if err != nil {
		s.log.Warn("rejected rows export", "import", id, "err", err)
	}
	cw.Flush()
	return nil
}

func safeFileRune(r rune) rune {
	if r < 0x20 || r == '"' || r == '\\' || r == '/' || r > 0x7e {
		return '_'
	}
	return r
}
