package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
)

const importUsage = "lodestone import contacts FILE --channel CHANNEL [--campaign NAME] [--consent BASIS] [--existing update|skip] [--map COLUMN=FIELD]…"

// cmdImport imports a list of contacts from a CSV file (SPEC section 11, Import).
// It exits 0 when the file was read, whatever rows it had to reject.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "contacts" {
		return errors.New("import needs what to import: " + importUsage)
	}
	fs, read := flags("import contacts", stderr, getenv)
	channel := fs.String("channel", "", "the channel the contacts came from, such as event or purchased_list (required)")
	campaign := fs.String("campaign", "", "the name of an existing campaign the contacts came from")
	consent := fs.String("consent", "", "record marketing email consent on this basis: "+strings.Join(capture.ConsentBases, ", "))
	existing := fs.String("existing", capture.ExistingUpdate, "contacts that exist already: update them, or skip them")
	rejectsPath := fs.String("rejects", "", "where to write the rejected rows (default FILE.rejected.csv)")
	overrides := mapFlag{}
	fs.Var(overrides, "map", "COLUMN=FIELD reads a column into a field (email, phone, first_name, …, custom.NAME); COLUMN= ignores it; repeatable")
	cfg, err := parse(fs, read, args[1:])
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import contacts needs one file: " + importUsage)
	}
	path := fs.Arg(0)
	if *channel == "" {
		return fmt.Errorf("--channel is required: one of %s", channelNames())
	}
	opt := capture.ImportOptions{FileName: filepath.Base(path), Channel: attribution.Channel(*channel), Consent: *consent,
		Existing: *existing, Region: cfg.Region, Map: overrides}
	if err := opt.Check(); err != nil {
		return flagError(err)
	}
	if st, err := os.Stat(path); err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file; import reads a CSV file twice, so it cannot read a pipe", path)
	}
	if *rejectsPath == "" {
		*rejectsPath = path + ".rejected.csv"
	}
	if same, _ := sameFile(path, *rejectsPath); same {
		return errors.New("--rejects must not name the file being imported")
	}

	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.PrepareForImport(ctx); err != nil {
		return err
	}
	if *campaign != "" {
		c, err := s.CampaignByName(ctx, *campaign)
		if errs.Is(err, errs.NotFound) {
			return fmt.Errorf("--campaign: there is no campaign named %q; create it first, or leave --campaign out", *campaign)
		}
		if err != nil {
			return err
		}
		opt.CampaignID = c.ID
		if c.Channel != *channel {
			fmt.Fprintf(stderr, "Note: campaign %q is in channel %s; the imported contacts get channel %s, as --channel says.\n", c.Name, c.Channel, *channel)
		}
	}
	rejects, err := os.Create(*rejectsPath)
	if err != nil {
		return fmt.Errorf("cannot write the rejected rows: %w", err)
	}
	prog := newImportProgress(stderr)
	opt.Counted = prog.counted
	start := time.Now()
	rep, err := capture.ImportCSV(ctx, func() (io.ReadCloser, error) { return os.Open(path) }, s.IngestImport, opt, rejects, prog.update)
	if err == nil {
		// On SQLite the search words of the last contacts are still being indexed
		// in the background; the import's time includes them.
		err = s.IndexSearchWords(ctx)
	}
	prog.finish()
	if cerr := rejects.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing the rejected rows: %w", cerr)
	}
	if rep.Rejected == 0 {
		_ = os.Remove(*rejectsPath)
	}
	if err != nil {
		if rep.Rejected > 0 {
			fmt.Fprintf(stderr, "Rows rejected so far, with their reasons: %s\n", *rejectsPath)
		}
		return fmt.Errorf("import %s: %w", path, err)
	}
	printImportReport(stdout, path, *rejectsPath, rep, time.Since(start))
	return nil
}

func printImportReport(w io.Writer, path, rejectsPath string, rep capture.ImportReport, took time.Duration) {
	rate := ""
	if s := took.Seconds(); s > 0.5 {
		rate = fmt.Sprintf(", %s rows/s", thousands(int(float64(rep.Rows)/s)))
	}
	fmt.Fprintf(w, "Imported %s: %s rows (%s, %s-separated) in %s%s.\n", path, thousands(rep.Rows), rep.Encoding, rep.Delimiter,
		took.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "created: %d\nupdated: %d\nskipped: %d\nrejected: %d\n", rep.Created, rep.Updated, rep.Skipped, rep.Rejected)
	var read []string
	for i, f := range rep.Mapping.Fields {
		if f != "" {
			read = append(read, fmt.Sprintf("%s → %s", rep.Mapping.Header[i], f))
		}
	}
	fmt.Fprintf(w, "Columns read: %s\n", strings.Join(read, ", "))
	if len(rep.UnmappedColumns) > 0 {
		fmt.Fprintf(w, "Columns ignored, no field matches them (read one with --map COLUMN=FIELD): %s\n", strings.Join(rep.UnmappedColumns, ", "))
	}
	if rep.Rejected > 0 {
		fmt.Fprintf(w, "Rejected rows, with their reasons: %s\n", rejectsPath)
	}
}

// mapFlag collects --map COLUMN=FIELD; the last = splits, so a column name may hold one.
type mapFlag map[string]string

func (m mapFlag) String() string { return "" }

func (m mapFlag) Set(v string) error {
	i := strings.LastIndexByte(v, '=')
	if i <= 0 {
		return fmt.Errorf("%q is not COLUMN=FIELD (COLUMN= ignores the column)", v)
	}
	m[v[:i]] = v[i+1:]
	return nil
}

// flagError names the flag of an invalid option.
func flagError(err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Field != "" {
		return fmt.Errorf("--%s: %s", e.Field, e.Message)
	}
	return err
}

func channelNames() string {
	names := make([]string, len(attribution.Channels))
	for i, c := range attribution.Channels {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// thousands writes 1234567 as 1,234,567.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// importProgress shows how far an import is: a bar redrawn in place when stderr is a
// terminal, else a line every 100,000 rows (for logs).
type importProgress struct {
	w     io.Writer
	tty   bool
	total int
	next  int // the row count of the next log line
	drawn time.Time
}

const progressEvery = 100_000

func newImportProgress(w io.Writer) *importProgress {
	p := &importProgress{w: w, next: progressEvery}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *importProgress) counted(rows int) {
	p.total = rows
	if !p.tty && rows >= progressEvery {
		fmt.Fprintf(p.w, "The file is readable: %s rows to import.\n", thousands(rows))
	}
}

func (p *importProgress) update(done int) {
	if !p.tty {
		if done >= p.next && done < p.total {
			fmt.Fprintf(p.w, "%s of %s rows imported\n", thousands(done), thousands(p.total))
			p.next = (done/progressEvery + 1) * progressEvery
		}
		return
	}
	if time.Since(p.drawn) < 100*time.Millisecond || p.total == 0 {
		return
	}
	p.drawn = time.Now()
	const width = 30
	filled := min(width, done*width/p.total)
	fmt.Fprintf(p.w, "\r[%s%s] %3d%%  %s / %s rows", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		done*100/p.total, thousands(done), thousands(p.total))
}

// finish clears the bar, so the report starts on a clean line.
func (p *importProgress) finish() {
	if p.tty && !p.drawn.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
