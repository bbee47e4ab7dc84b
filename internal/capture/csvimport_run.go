package capture

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// importRun is the writing pass of an import: rows become captures, gathered into
// batches of one transaction each.
type importRun struct {
	ctx      context.Context
	ingest   IngestFunc
	opt      *ImportOptions
	rep      *ImportReport
	rows     importRows
	rejects  *rejectWriter
	progress func(rowsDone int)

	batch     []store.Capture
	batchRows []int       // the row of each capture in batch
	pending   []Rejection // rejected since the last batch, for opt.Commit
	committed int         // rows counted by the last batch, for opt.Commit
	reported  int         // rows last told to progress
}

// row handles one data row of the file.
func (r *importRun) row(rec []string, row int, perr *csv.ParseError) error {
	r.rep.Rows++
	if r.rep.Rows <= r.opt.SkipRows {
		r.committed = r.rep.Rows
		return nil
	}
	if perr != nil {
		return r.reject(&Rejection{Row: row, Reason: fmt.Sprintf("cannot be read: %v (line %d, character %d)", perr.Err, perr.Line, perr.Column)}, nil)
	}
	c, rej := r.rows.capture(rec, row)
	if rej != nil {
		return r.reject(rej, rec)
	}
	r.batch = append(r.batch, c)
	r.batchRows = append(r.batchRows, row)
	if len(r.batch)+len(r.pending) >= r.opt.BatchSize {
		return r.flush()
	}
	if r.progress != nil && r.rep.Rows-r.reported >= r.opt.BatchSize && len(r.batch) == 0 {
		r.reported = r.rep.Rows
		r.progress(r.reported)
	}
	return nil
}

// flush records the batch in one transaction. A capture the store refuses on its
// own (a domain error naming its index) is rejected and the rest tried again; any
// other error ends the import.
func (r *importRun) flush() error {
	for len(r.batch) > 0 || len(r.pending) > 0 || (r.opt.Commit != nil && r.committed < r.rep.Rows) {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		var res []store.Captured
		var err error
		if r.opt.Commit != nil {
			res, err = r.opt.Commit(r.ctx, ImportBatch{Captures: r.batch, Rejections: r.pending, RowsDone: r.rep.Rows})
		} else {
			res, err = r.ingest(r.ctx, r.batch)
		}
		if err == nil {
			r.count(res)
			r.pending, r.committed = r.pending[:0], r.rep.Rows
			break
		}
		i, e, ok := failedItem(err, len(r.batch))
		if !ok {
			if len(r.batchRows) == 0 {
				return fmt.Errorf("recording the rows up to row %d: %w", r.rep.Rows, err)
			}
			return fmt.Errorf("recording the rows from line %d: %w", r.batchRows[0], err)
		}
		if err := r.reject(&Rejection{Row: r.batchRows[i], Reason: "refused by the database: " + e.Error()}, nil); err != nil {
			return err
		}
		r.batch = slices.Delete(r.batch, i, i+1)
		r.batchRows = slices.Delete(r.batchRows, i, i+1)
	}
	clear(r.batch) // let the captures go; the slice is reused
	r.batch, r.batchRows = r.batch[:0], r.batchRows[:0]
	if r.progress != nil {
		r.reported = r.rep.Rows
		r.progress(r.reported)
	}
	return nil
}

func (r *importRun) count(res []store.Captured) {
	for _, c := range res {
		switch {
		case c.Skipped:
			r.rep.Skipped++
		case c.Created:
			r.rep.Created++
		default:
			r.rep.Updated++
		}
	}
}

func (r *importRun) reject(rej *Rejection, values []string) error {
	r.rep.Rejected++
	rej.Values = values
	if err := r.rejects.write(rej); err != nil {
		return fmt.Errorf("writing the rejected rows: %w", err)
	}
	if r.opt.Commit != nil {
		p := *rej
		p.Values = slices.Clone(values)
		r.pending = append(r.pending, p)
	}
	if len(r.rep.Rejections) < MaxKeptRejections {
		rej.Values = slices.Clone(values) // csv reuses the record
		r.rep.Rejections = append(r.rep.Rejections, *rej)
	}
	return nil
}

// failedItem finds the capture a batch failed on, when the store says which.
func failedItem(err error, n int) (int, *errs.Error, bool) {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal {
		return 0, nil, false
	}
	d, _ := e.Details.(map[string]any)
	i, ok := d["index"].(int)
	if !ok || i < 0 || i >= n {
		return 0, nil, false
	}
	return i, e, true
}

// rejectWriter writes rejected rows as CSV: row, column, reason, then the row's own
// values under its own header, in the file's delimiter and with its byte order mark,
// so the file opens like the original and can be fixed and imported again.
type rejectWriter struct {
	w      io.Writer
	cw     *csv.Writer
	header []string
	delim  rune
	bom    bool
	buf    []string
}

func (rw *rejectWriter) write(r *Rejection) error {
	if rw.w == nil {
		return nil
	}
	if rw.cw == nil {
		if rw.bom {
			if _, err := io.WriteString(rw.w, "\uFEFF"); err != nil {
				return err
			}
		}
		rw.cw = csv.NewWriter(rw.w)
		rw.cw.Comma = rw.delim
		if err := rw.cw.Write(append([]string{"row", "column", "reason"}, rw.header...)); err != nil {
			return err
		}
	}
	rw.buf = append(rw.buf[:0], strconv.Itoa(r.Row), r.Column, r.Reason)
	rw.buf = append(rw.buf, r.Values...)
	if err := rw.cw.Write(rw.buf); err != nil {
		return err
	}
	return rw.cw.Error()
}

func (rw *rejectWriter) flush() error {
	if rw.cw == nil {
		return nil
	}
	rw.cw.Flush()
	return rw.cw.Error()
}
