package capture

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// How an import treats contacts that exist already.
const (
	ExistingUpdate = "update" // fill in the fields the file has (the default)
	ExistingSkip   = "skip"   // leave them alone: nothing is written for them
)

// ConsentBases are the lawful bases an import may record for marketing email.
var ConsentBases = []string{"consent", "legitimate_interest", "contract"}

// MaxKeptRejections is how many rejected rows a report keeps in memory; the rejects
// writer receives all of them.
const MaxKeptRejections = 10000

// DefaultImportBatch is the number of rows written in one transaction.
const DefaultImportBatch = 1000

// IngestFunc records a batch of captures in one transaction (store.Store.IngestImport,
// or store.Store.Ingest, which records the same one capture at a time).
type IngestFunc func(context.Context, []store.Capture) ([]store.Captured, error)

// ImportOptions say where imported contacts came from and how to treat them.
type ImportOptions struct {
	FileName   string              // kept in every event and as the consent's source, import:NAME
	Channel    attribution.Channel // the channel of the import's touch; required
	CampaignID int64               // the campaign of the touch; 0 for none
	Consent    string              // basis of the marketing-email consent recorded per row; "" records none
	Existing   string              // ExistingUpdate ("" too) or ExistingSkip
	Region     string              // default region of phone numbers written without a country code
	Map        map[string]string   // column=field overrides, see MapHeader
	Now        time.Time           // the time of the import's events; now when zero
	BatchSize  int                 // rows per transaction; DefaultImportBatch when zero
	// Counted, when set, hears the number of data rows once the first pass has read
	// the whole file, before anything is written (to size a progress bar).
	Counted func(rows int)
	// SkipRows is how many data rows an earlier run of the same import recorded: a
	// resumed import reads them again but writes nothing for them.
	SkipRows int
	// Commit, when set, records each batch instead of the ingest function: its
	// captures, the rows rejected since the batch before, and how many data rows
	// were read, all in one transaction (store.RecordImportBatch), so a resumed
	// import knows exactly where to carry on.
	Commit func(context.Context, ImportBatch) ([]store.Captured, error)
}

// ImportBatch is what one transaction of an import records.
type ImportBatch struct {
	Captures   []store.Capture
	Rejections []Rejection
	RowsDone   int
}

// ImportReport tells what an import did. Rows = Created + Updated + Skipped + Rejected.
type ImportReport struct {
	Rows            int         `json:"rows"`
	Created         int         `json:"created"`
	Updated         int         `json:"updated"`
	Skipped         int         `json:"skipped"`
	Rejected        int         `json:"rejected"`
	Rejections      []Rejection `json:"rejections"` // the first MaxKeptRejections
	UnmappedColumns []string    `json:"unmapped_columns"`
	Mapping         Mapping     `json:"-"`
	Encoding        string      `json:"encoding"`  // UTF-8, Windows-1252 or UTF-16
	Delimiter       string      `json:"delimiter"` // comma, semicolon or tab
}

// ImportCSV imports contacts from a CSV file in two streaming passes. The first reads
// the whole file and refuses it, with nothing written, when it is broken: text that
// is neither UTF-8 nor Windows-1252 (nor UTF-16 with its byte order mark), encodings
// mixed, a line over 1 MiB, no usable header, a row with more or fewer fields than
// the header. The second turns rows into captures and records them in batches, one
// transaction each.
// A row that cannot be imported is rejected with its reason and written to rejects
// (a CSV in the file's own delimiter; nothing is written when no row is rejected).
// src opens the file; it is called once per pass. Memory stays bounded whatever the
// size of the file.
//
// A database failure in the second pass leaves the batches before it imported; the
// error says how far it got. Running the import again is safe: contacts are matched
// by email, then phone.
func ImportCSV(ctx context.Context, src func() (io.ReadCloser, error), ingest IngestFunc, opt ImportOptions,
	rejects io.Writer, progress func(rowsDone int)) (ImportReport, error) {
	if err := opt.Check(); err != nil {
		return ImportReport{}, err
	}
	checked, err := importPass(ctx, src, &opt, encASCII, 0, nil)
	if err != nil {
		return ImportReport{}, err
	}
	if opt.Counted != nil {
		opt.Counted(checked.rows)
	}
	rep := ImportReport{UnmappedColumns: checked.mapping.Unmapped, Mapping: checked.mapping,
		Encoding: checked.enc.String(), Delimiter: delimiterName(checked.delim)}
	run := &importRun{ctx: ctx, ingest: ingest, opt: &opt, rep: &rep, progress: progress,
		rows:    importRows{m: &checked.mapping, opt: &opt, consents: opt.consents()},
		rejects: &rejectWriter{w: rejects, header: checked.mapping.Header, delim: checked.delim, bom: checked.bom}}
	_, err = importPass(ctx, src, &opt, checked.enc, checked.encLine, run.row)
	if err == nil {
		err = run.finish()
	} else {
		_ = run.settle() // the batch being written ends before the import returns
	}
	if err == nil && rep.Rows != checked.rows {
		err = fmt.Errorf("the file changed during the import: %d rows were read at first, %d the second time", checked.rows, rep.Rows)
	}
	if ferr := run.rejects.flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing the rejected rows: %w", ferr)
	}
	if err != nil {
		return rep, fmt.Errorf("import stopped with %d rows done (%d created, %d updated, %d skipped, %d rejected): %w",
			rep.Created+rep.Updated+rep.Skipped+rep.Rejected, rep.Created, rep.Updated, rep.Skipped, rep.Rejected, err)
	}
	if progress != nil {
		progress(rep.Rows)
	}
	return rep, nil
}

// Check checks the options and fills in their defaults.
func (o *ImportOptions) Check() error {
	if _, err := attribution.ParseChannel(string(o.Channel)); err != nil {
		return errs.Field("channel", "%q is not a channel; use one of %s", o.Channel, channelList())
	}
	if o.Consent != "" && !slices.Contains(ConsentBases, o.Consent) {
		return errs.Field("consent", "%q is not a basis for consent; use one of %s", o.Consent, strings.Join(ConsentBases, ", "))
	}
	switch o.Existing {
	case "":
		o.Existing = ExistingUpdate
	case ExistingUpdate, ExistingSkip:
	default:
		return errs.Field("existing", "must be %s or %s", ExistingUpdate, ExistingSkip)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultImportBatch
	}
	o.Now = importNow(o.Now)
	return nil
}

func (o *ImportOptions) consents() []store.Consent {
	if o.Consent == "" {
		return nil
	}
	return []store.Consent{{Purpose: store.PurposeMarketingEmail, Granted: true, Basis: o.Consent,
		Source: "import:" + o.FileName, RecordedAt: o.Now}}
}

// passResult is what one reading of the file found.
type passResult struct {
	mapping Mapping
	enc     textEncoding
	encLine int
	delim   rune
	bom     bool
	rows    int
}

// importPass reads the file once. visit, when set, gets every data row in order, or
// the csv.ParseError of a row that cannot be read. Rows whose values are all empty
// are skipped, as blank lines are.
func importPass(ctx context.Context, src func() (io.ReadCloser, error), opt *ImportOptions, enc textEncoding, encLine int,
	visit func(rec []string, row int, perr *csv.ParseError) error) (passResult, error) {
	var res passResult
	rc, err := src()
	if err != nil {
		return res, err
	}
	defer rc.Close()
	text := newCSVText(rc, enc)
	text.encLine = encLine
	first, err := text.peekLine()
	if errors.Is(err, io.EOF) {
		return res, &FileError{Message: "the file is empty; its first line must name the columns"}
	}
	if err != nil {
		return res, err
	}
	res.delim = sniffDelimiter(first)
	cr := csv.NewReader(text)
	cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = res.delim, -1, true
	header, err := cr.Read()
	if ferr := text.fatal(); ferr != nil {
		return res, ferr
	}
	if err != nil {
		return res, &FileError{Line: 1, Message: fmt.Sprintf("the header line cannot be read: %v", err)}
	}
	text.recordDone(1)
	if res.mapping, err = MapHeader(slices.Clone(header), opt.Map); err != nil {
		return res, err
	}
	for {
		rec, err := cr.Read()
		if ferr := text.fatal(); ferr != nil {
			return res, ferr
		}
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		var row int
		switch {
		case err == nil:
			if blankRow(rec) {
				continue
			}
			row, _ = cr.FieldPos(0)
			if len(rec) != len(res.mapping.Header) {
				return res, raggedRow(row, len(rec), len(res.mapping.Header), res.delim)
			}
		case errors.As(err, &pe):
			row, rec = pe.StartLine, nil
		default:
			return res, err
		}
		text.recordDone(row)
		res.rows++
		if res.rows%4096 == 0 && ctx.Err() != nil {
			return res, ctx.Err()
		}
		if visit != nil {
			if err := visit(rec, row, pe); err != nil {
				return res, err
			}
		}
	}
	res.enc, res.encLine, res.bom = text.enc, text.encLine, text.hadBOM
	return res, nil
}

// raggedRow refuses a file with a row of more or fewer fields than the header has.
// Such a row means a delimiter too many or too few, so its values, and maybe those of
// the rows around it, would land in the wrong columns: the file is broken, not the row.
func raggedRow(row, fields, columns int, delim rune) *FileError {
	return &FileError{Line: row, Message: fmt.Sprintf(
		"this row has %d fields, but the header has %d columns; every row needs one field per column (a value that holds a %s must be in double quotes)",
		fields, columns, delimiterName(delim))}
}

func blankRow(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}
