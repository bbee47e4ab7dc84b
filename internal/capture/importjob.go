package capture

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// ImportSettings are the choices made for an uploaded import, kept with it as JSON.
type ImportSettings struct {
	Channel    string            `json:"channel"`
	CampaignID int64             `json:"campaign_id,omitempty"`
	Consent    string            `json:"consent,omitempty"`
	Existing   string            `json:"existing,omitempty"`
	Mapping    map[string]string `json:"mapping,omitempty"` // column → field; "" ignores the column
	Header     []string          `json:"header,omitempty"`  // the file's columns, for the rejected rows' report
}

// Options are the import options these settings make.
func (s ImportSettings) Options(fileName, region string) ImportOptions {
	return ImportOptions{FileName: fileName, Channel: attribution.Channel(s.Channel), CampaignID: s.CampaignID, Consent: s.Consent,
		Existing: s.Existing, Region: region, Map: s.Mapping}
}

// Check validates the settings; errors name the field.
func (s *ImportSettings) Check() error {
	o := s.Options("", "")
	if err := o.Check(); err != nil {
		return err
	}
	s.Existing = o.Existing
	for col, f := range s.Mapping {
		if err := checkImportField(col, f); err != nil {
			return err
		}
	}
	return nil
}

// ImportRunner runs uploaded imports as durable jobs. A job that stops half-way (a
// restart, a lost lease) resumes after the last batch it committed: rows_done moves
// in the same transaction as the rows, so no row is recorded twice. Contacts are
// matched by email, then phone, as in every import.
type ImportRunner struct {
	Store  *store.Store
	Region string
}

// Handlers are the runner's job handlers.
func (ir *ImportRunner) Handlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{store.ImportJobKind: ir.run}
}

func (ir *ImportRunner) run(ctx context.Context, payload []byte) error {
	var p struct {
		ImportID int64 `json:"import_id"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	imp, err := ir.Store.Import(ctx, p.ImportID)
	if errs.Is(err, errs.NotFound) {
		return nil // removed meanwhile
	}
	if err != nil {
		return err
	}
	if imp.Finished() {
		return nil
	}
	var set ImportSettings
	if err := json.Unmarshal(imp.Options, &set); err != nil {
		return ir.Store.FinishImport(ctx, imp.ID, "the import's settings cannot be read")
	}
	id := imp.ID
	opt := set.Options(imp.FileName, ir.Region)
	opt.SkipRows = int(imp.RowsDone)
	opt.Counted = func(rows int) { _ = ir.Store.ImportCounted(ctx, id, rows, "", "") }
	opt.Commit = func(ctx context.Context, b ImportBatch) ([]store.Captured, error) {
		rej := make([]store.ImportRejection, len(b.Rejections))
		for i, r := range b.Rejections {
			rej[i] = store.ImportRejection{Row: r.Row, Column: r.Column, Reason: r.Reason, Values: r.Values}
		}
		return ir.Store.RecordImportBatch(ctx, id, b.Captures, rej, b.RowsDone)
	}
	if err := ir.Store.ImportRunning(ctx, id); err != nil {
		return err
	}
	rep, err := ImportCSV(ctx, func() (io.ReadCloser, error) { return ir.Store.ImportFile(ctx, id), nil }, nil, opt, nil, nil)
	var fe *FileError
	var de *errs.Error
	switch {
	case errors.Is(err, store.ErrImportOvertaken):
		return nil // another run carries on with it
	case errors.As(err, &fe):
		return ir.Store.FinishImport(ctx, id, fe.Error())
	case errors.As(err, &de) && de.Code != errs.Internal:
		return ir.Store.FinishImport(ctx, id, de.Message)
	case err != nil:
		return err // retried later; it resumes after the last committed batch
	}
	if err := ir.Store.ImportCounted(ctx, id, rep.Rows, rep.Encoding, rep.Delimiter); err != nil {
		return err
	}
	return ir.Store.FinishImport(ctx, id, "")
}
