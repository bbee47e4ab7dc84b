package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// Import statuses. An upload is "uploading" while its file is written, a "draft"
// until someone confirms the mapping, then "queued", "running", and "done" or
// "failed".
const (
	ImportUploading = "uploading"
	ImportDraft     = "draft"
	ImportQueued    = "queued"
	ImportRunning   = "running"
	ImportDone      = "done"
	ImportFailed    = "failed"
)

// ImportJobKind is the job that runs an uploaded import.
const ImportJobKind = "import.contacts"

// importChunk is how much of an uploaded file one row of import_chunks holds.
const importChunk = 1 << 20

// Import is a CSV import uploaded through the API or the screens. Options holds the
// capture package's settings (channel, campaign, consent, mapping) as JSON.
type Import struct {
	ID         int64           `json:"id"`
	FileName   string          `json:"file_name"`
	SizeBytes  int64           `json:"size_bytes"`
	Status     string          `json:"status"`
	Options    json.RawMessage `json:"options"`
	Encoding   string          `json:"encoding,omitempty"`
	Delimiter  string          `json:"delimiter,omitempty"`
	RowsTotal  *int64          `json:"rows_total"` // null until the file has been read through once
	RowsDone   int64           `json:"rows_read"`
	Created    int64           `json:"created"`
	Updated    int64           `json:"updated"`
	Skipped    int64           `json:"skipped"`
	Rejected   int64           `json:"rejected"`
	Error      string          `json:"error,omitempty"`
	JobID      int64           `json:"job_id,omitempty"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
}

// Finished reports whether the import ended, well or not.
func (i *Import) Finished() bool { return i.Status == ImportDone || i.Status == ImportFailed }

const importColumns = `id, file_name, size_bytes, status, options, encoding, delimiter, rows_total, rows_done, created, updated, skipped,
	rejected, error, job_id, created_by, created_at, started_at, finished_at`

func scanImport(r scanner) (*Import, error) {
	var i Import
	var opts string
	var total, job, started, finished sql.NullInt64
	var created int64
	if err := r.Scan(&i.ID, &i.FileName, &i.SizeBytes, &i.Status, &opts, &i.Encoding, &i.Delimiter, &total, &i.RowsDone, &i.Created,
		&i.Updated, &i.Skipped, &i.Rejected, &i.Error, &job, &i.CreatedBy, &created, &started, &finished); err != nil {
		return nil, err
	}
	i.Options, i.JobID, i.CreatedAt = json.RawMessage(opts), job.Int64, fromTS(created)
	i.StartedAt, i.FinishedAt = fromNullTS(started), fromNullTS(finished)
	if total.Valid {
		i.RowsTotal = &total.Int64
	}
	return &i, nil
}

// CreateImport stores an uploaded file in the database, a chunk per transaction so
// the single writer is never held while the upload streams in, and returns the
// import as a draft. A file over maxBytes is refused (errs.TooLarge) and removed.
func (s *Store) CreateImport(ctx context.Context, fileName string, options json.RawMessage, src io.Reader, maxBytes int64, actor string) (*Import, error) {
	if len(options) == 0 {
		options = json.RawMessage("{}")
	}
	var id int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `INSERT INTO imports (file_name, status, options, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			fileName, ImportUploading, string(options), actor, ts(s.Now())).Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	size, err := s.writeImportFile(ctx, id, src, maxBytes)
	if err == nil {
		err = s.RunInTx(ctx, func(tx *Tx) error {
			if _, err := tx.exec(ctx, `UPDATE imports SET status = ?, size_bytes = ? WHERE id = ?`, ImportDraft, size, id); err != nil {
				return err
			}
			return audit(ctx, tx, actor, "import.upload", "import:"+itoa(id), map[string]any{"file": fileName, "bytes": size})
		})
	}
	if err != nil {
		_ = s.deleteImport(context.WithoutCancel(ctx), id)
		return nil, err
	}
	return s.Import(ctx, id)
}

func (s *Store) writeImportFile(ctx context.Context, id int64, src io.Reader, maxBytes int64) (int64, error) {
	buf := make([]byte, importChunk)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			size += int64(n)
			if size > maxBytes {
				return size, errs.E(errs.TooLarge, "file", "the file is larger than %d MiB; split it, or use lodestone import contacts on the server", maxBytes>>20)
			}
			if werr := s.RunInTx(ctx, func(tx *Tx) error {
				_, err := tx.exec(ctx, `INSERT INTO import_chunks (import_id, seq, data) VALUES (?, ?, ?)`, id, seq, buf[:n])
				return err
			}); werr != nil {
				return size, werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return size, nil
		}
		if err != nil {
			return size, err
		}
	}
}

// DiscardImport removes an import that will not run (an upload refused for its
// settings), with its file.
func (s *Store) DiscardImport(ctx context.Context, id int64) error { return s.deleteImport(ctx, id) }

func (s *Store) deleteImport(ctx context.Context, id int64) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		for _, q := range []string{`DELETE FROM import_chunks WHERE import_id = ?`, `DELETE FROM import_rejections WHERE import_id = ?`, `DELETE FROM imports WHERE id = ?`} {
			if _, err := tx.exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Import returns one import.
func (s *Store) Import(ctx context.Context, id int64) (*Import, error) {
	i, err := scanImport(s.queryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("import %d not found", id)
	}
	return i, err
}

// Imports lists the newest imports.
func (s *Store) Imports(ctx context.Context, limit int) ([]*Import, error) {
	rows, err := s.query(ctx, `SELECT `+importColumns+` FROM imports WHERE status <> ? ORDER BY id DESC LIMIT ?`, ImportUploading, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Import{}
	for rows.Next() {
		i, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// SetImportOptions keeps a draft's settings until its mapping is confirmed.
func (s *Store) SetImportOptions(ctx context.Context, id int64, options json.RawMessage) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE imports SET options = ? WHERE id = ? AND status = ?`, string(options), id, ImportDraft)
		return err
	})
}

// StartImport confirms a draft's options and queues its job, in one transaction.
func (s *Store) StartImport(ctx context.Context, id int64, options json.RawMessage, actor string) (*Import, error) {
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var status string
		if err := tx.queryRow(ctx, `SELECT status FROM imports WHERE id = ?`, id).Scan(&status); errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("import %d not found", id)
		} else if err != nil {
			return err
		}
		if status != ImportDraft {
			return errs.E(errs.Conflict, "", "this import was started already (it is %s)", status)
		}
		payload, _ := json.Marshal(map[string]int64{"import_id": id})
		job, err := enqueueJob(ctx, tx, NewJob{Kind: ImportJobKind, Payload: payload, MaxAttempts: 5})
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE imports SET status = ?, options = ?, job_id = ? WHERE id = ?`, ImportQueued, string(options), job, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "import.start", "import:"+itoa(id), nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Import(ctx, id)
}

// importFile reads an import's stored file chunk by chunk.
type importFile struct {
	ctx  context.Context
	s    *Store
	id   int64
	seq  int
	buf  []byte
	done bool
}

func (f *importFile) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		if f.done {
			return 0, io.EOF
		}
		err := f.s.queryRow(f.ctx, `SELECT data FROM import_chunks WHERE import_id = ? AND seq = ?`, f.id, f.seq).Scan(&f.buf)
		if errors.Is(err, sql.ErrNoRows) {
			f.done = true
			continue
		}
		if err != nil {
			return 0, err
		}
		f.seq++
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

func (f *importFile) Close() error { return nil }

// ImportFile opens an import's stored file.
func (s *Store) ImportFile(ctx context.Context, id int64) io.ReadCloser {
	return &importFile{ctx: ctx, s: s, id: id}
}

// ImportRunning marks an import as running (again, when its job is retried).
func (s *Store) ImportRunning(ctx context.Context, id int64) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE imports SET status = ?, started_at = COALESCE(started_at, ?) WHERE id = ? AND status IN (?, ?)`,
			ImportRunning, ts(s.Now()), id, ImportQueued, ImportRunning)
		return err
	})
}

// ImportCounted records what the first reading of the file found.
func (s *Store) ImportCounted(ctx context.Context, id int64, rows int, encoding, delimiter string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE imports SET rows_total = ?, encoding = ?, delimiter = ? WHERE id = ?`, rows, encoding, delimiter, id)
		return err
	})
}

// ImportRejection is a row an import refused, with its reason.
type ImportRejection struct {
	Row    int
	Column string
	Reason string
	Values []string
}

// ErrImportOvertaken reports that another run of the same import recorded these rows
// first (a job whose lease expired while it still worked): nothing was written.
var ErrImportOvertaken = errors.New("another run of this import recorded these rows first")

// RecordImportBatch records one batch of an import in one transaction: its captures,
// the rows it rejected, and how far the import got (rowsDone data rows read) with
// its counters. A resumed import starts after rows_done, so no row is recorded twice.
func (s *Store) RecordImportBatch(ctx context.Context, id int64, caps []Capture, rejected []ImportRejection, rowsDone int) ([]Captured, error) {
	caps = s.profileCaptures(caps)
	out := make([]Captured, len(caps))
	err := s.runImportTx(ctx, caps, out, func(tx *Tx, ingest func() error) error {
		res, err := tx.exec(ctx, `UPDATE imports SET rows_done = ? WHERE id = ? AND rows_done < ? AND status = ?`, rowsDone, id, rowsDone, ImportRunning)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrImportOvertaken
		}
		if err := ingest(); err != nil {
			return err
		}
		var created, updated, skipped int
		for _, r := range out {
			switch {
			case r.Skipped:
				skipped++
			case r.Created:
				created++
			default:
				updated++
			}
		}
		for _, r := range rejected {
			vals, _ := json.Marshal(r.Values)
			if _, err := tx.exec(ctx, `INSERT INTO import_rejections (import_id, row_number, column_name, reason, vals) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (import_id, row_number) DO NOTHING`, id, r.Row, r.Column, r.Reason, string(vals)); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE imports SET created = created + ?, updated = updated + ?, skipped = skipped + ?, rejected = rejected + ? WHERE id = ?`,
			created, updated, skipped, len(rejected), id)
		return err
	})
	return out, err
}

// FinishImport ends an import, done or failed with a message for people, and drops
// its stored file: the rejected rows stay for their report.
func (s *Store) FinishImport(ctx context.Context, id int64, failure string) error {
	status := ImportDone
	if failure != "" {
		status = ImportFailed
	}
	return s.RunInTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE imports SET status = ?, error = ?, finished_at = ? WHERE id = ?`, status, failure, ts(s.Now()), id); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM import_chunks WHERE import_id = ?`, id)
		return err
	})
}

// ImportRejections calls fn for each rejected row of an import, in file order.
func (s *Store) ImportRejections(ctx context.Context, id int64, fn func(ImportRejection) error) error {
	rows, err := s.query(ctx, `SELECT row_number, column_name, reason, vals FROM import_rejections WHERE import_id = ? ORDER BY row_number`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r ImportRejection
		var vals string
		if err := rows.Scan(&r.Row, &r.Column, &r.Reason, &vals); err != nil {
			return err
		}
		_ = json.Unmarshal([]byte(vals), &r.Values)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PruneImports removes uploads that never finished arriving (after an hour) and
// drafts nobody started (after a week), with their files.
func (s *Store) PruneImports(ctx context.Context) (int, error) {
	now := s.Now()
	rows, err := s.query(ctx, `SELECT id FROM imports WHERE (status = ? AND created_at < ?) OR (status = ? AND created_at < ?)`,
		ImportUploading, ts(now.Add(-time.Hour)), ImportDraft, ts(now.Add(-7*24*time.Hour)))
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := s.deleteImport(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
