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
// batches of one transaction each. While one batch is being written, the next is
// read and made ready, so reading the file and the database's work overlap; batches
// still commit one after another, in order, and everything the run reports (counts,
// rejected rows, progress) is recorded in file order, as if nothing overlapped.
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

	flight   *batchInFlight // the batch being written, if any
	deferred []Rejection    // rows rejected while it is written, recorded after it
}

// batchInFlight is a batch handed to the database, and its outcome.
type batchInFlight struct {
	batch    []store.Capture
	rows     []int
	pending  []Rejection
	rowsDone int
	done     chan struct{}
	res      []store.Captured
	err      error
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
	if r.progress != nil && r.rep.Rows-r.reported >= r.opt.BatchSize && len(r.batch) == 0 && r.flight == nil {
		r.reported = r.rep.Rows
		r.progress(r.reported)
	}
	return nil
}

// flush waits for the batch before, then hands this one to the database, to be
// written while the next is read. finish waits for the last one.
func (r *importRun) flush() error {
	if err := r.settle(); err != nil {
		return err
	}
	if len(r.batch) == 0 && len(r.pending) == 0 && (r.opt.Commit == nil || r.committed >= r.rep.Rows) {
		return nil
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	f := &batchInFlight{batch: r.batch, rows: r.batchRows, pending: r.pending, rowsDone: r.rep.Rows, done: make(chan struct{})}
	r.batch, r.batchRows, r.pending = make([]store.Capture, 0, len(f.batch)), make([]int, 0, len(f.rows)), nil
	r.flight = f
	go func() {
		defer close(f.done)
		f.res, f.err = r.commit(f)
	}()
	return nil
}

// finish records what is left and waits until it is written.
func (r *importRun) finish() error {
	if err := r.flush(); err != nil {
		return errors.Join(err, r.settle())
	}
	return r.settle()
}

// commit records a batch in one transaction.
func (r *importRun) commit(f *batchInFlight) ([]store.Captured, error) {
	if r.opt.Commit != nil {
		return r.opt.Commit(r.ctx, ImportBatch{Captures: f.batch, Rejections: f.pending, RowsDone: f.rowsDone})
	}
	if len(f.batch) == 0 {
		return nil, nil
	}
	return r.ingest(r.ctx, f.batch)
}

// settle waits for the batch being written. A capture the store refuses on its own
// (a domain error naming its index) is rejected and the rest written again; any other
// error ends the import. Then the rows rejected meanwhile are recorded.
func (r *importRun) settle() error {
	f := r.flight
	if f == nil {
		return nil
	}
	r.flight = nil
	<-f.done
	res, err := f.res, f.err
	for err != nil {
		if cerr := r.ctx.Err(); cerr != nil {
			return cerr
		}
		i, e, ok := failedItem(err, len(f.batch))
		if !ok {
			if len(f.rows) == 0 {
				return fmt.Errorf("recording the rows up to row %d: %w", f.rowsDone, err)
			}
			return fmt.Errorf("recording the rows from line %d: %w", f.rows[0], err)
		}
		if err := r.record(&Rejection{Row: f.rows[i], Reason: "refused by the database: " + e.Error()}, nil, &f.pending); err != nil {
			return err
		}
		f.batch = slices.Delete(f.batch, i, i+1)
		f.rows = slices.Delete(f.rows, i, i+1)
		res, err = r.commit(f)
	}
	r.count(res)
	r.committed = f.rowsDone
	if r.progress != nil {
		r.reported = f.rowsDone
		r.progress(r.reported)
	}
	deferred := r.deferred
	r.deferred = nil
	for i := range deferred {
		if err := r.record(&deferred[i], deferred[i].Values, &r.pending); err != nil {
			return err
		}
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

// reject records a rejected row; while a batch is being written, after it.
func (r *importRun) reject(rej *Rejection, values []string) error {
	if r.flight != nil {
		if len(r.deferred) < r.opt.BatchSize {
			d := *rej
			d.Values = slices.Clone(values) // csv reuses the record
			r.deferred = append(r.deferred, d)
			return nil
		}
		if err := r.settle(); err != nil {
			return err
		}
	}
	return r.record(rej, values, &r.pending)
}

// record counts a rejected row, writes it out, keeps it for the report and, for
// opt.Commit, adds it to the rejections of the batch it belongs to.
func (r *importRun) record(rej *Rejection, values []string, pending *[]Rejection) error {
	r.rep.Rejected++
	rej.Values = values
	if err := r.rejects.write(rej); err != nil {
		return fmt.Errorf("writing the rejected rows: %w", err)
	}
	if r.opt.Commit != nil {
		p := *rej
		p.Values = slices.Clone(values)
		*pending = append(*pending, p)
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
