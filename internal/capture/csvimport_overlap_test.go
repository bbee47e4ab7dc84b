package capture

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestImportWhileWritingKeepsFileOrder: the next batch is read while one is written,
// yet batches reach the database one at a time and in order, a capture the database
// refuses is rejected and its batch written again without it, and the rejected rows
// come out in the order a batch-after-batch import gives: the rows rejected while
// reading a batch, then those the database refused in it.
func TestImportWhileWritingKeepsFileOrder(t *testing.T) {
	const list = "Email,First Name\n" +
		"a@x.example,A\n" + // line 2
		"bad,B\n" + // 3: rejected when read
		"b@x.example,B\n" + // 4
		"refuse@x.example,R\n" + // 5: refused by the database; ends batch 1
		"bad2,B\n" + // 6: read while batch 1 is written
		"c@x.example,C\n" + // 7
		"d@x.example,D\n" + // 8
		"refuse2@x.example,R\n" + // 9: ends batch 2
		"bad3,B\n" + // 10
		"e@x.example,E\n" // 11
	var calls [][]string
	var busy atomic.Int32
	ingest := func(ctx context.Context, caps []store.Capture) ([]store.Captured, error) {
		if busy.Add(1) != 1 {
			t.Error("two batches written at once")
		}
		defer busy.Add(-1)
		time.Sleep(20 * time.Millisecond) // the reader runs ahead meanwhile
		var emails []string
		for _, c := range caps {
			emails = append(emails, c.Email)
		}
		calls = append(calls, emails)
		for i, c := range caps {
			if strings.HasPrefix(c.Email, "refuse") {
				e := errs.Field("email", "refused")
				e.Details = map[string]any{"index": i}
				return nil, e
			}
		}
		out := make([]store.Captured, len(caps))
		for i := range out {
			out[i] = store.Captured{ContactID: int64(i + 1), Created: true}
		}
		return out, nil
	}
	var rejects bytes.Buffer
	var progress []int
	rep, err := ImportCSV(context.Background(), func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(list)), nil }, ingest,
		ImportOptions{Channel: "event", BatchSize: 3}, &rejects, func(n int) { progress = append(progress, n) })
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := [][]string{
		{"a@x.example", "b@x.example", "refuse@x.example"}, {"a@x.example", "b@x.example"},
		{"c@x.example", "d@x.example", "refuse2@x.example"}, {"c@x.example", "d@x.example"},
		{"e@x.example"},
	}
	if !slices.EqualFunc(calls, wantCalls, slices.Equal) {
		t.Errorf("batches written %v; want %v", calls, wantCalls)
	}
	var rows []int
	for _, r := range rep.Rejections {
		rows = append(rows, r.Row)
	}
	if want := []int{3, 5, 6, 9, 10}; !slices.Equal(rows, want) {
		t.Errorf("rejected rows in the report %v; want %v", rows, want)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(rejects.String()), "\n")[1:] {
		lines = append(lines, strings.SplitN(l, ",", 2)[0])
	}
	if want := []string{"3", "5", "6", "9", "10"}; !slices.Equal(lines, want) {
		t.Errorf("rejected rows in the file %v; want %v", lines, want)
	}
	if rep.Rows != 10 || rep.Created != 5 || rep.Rejected != 5 {
		t.Errorf("report %+v", rep)
	}
	if !slices.IsSorted(progress) || progress[len(progress)-1] != 10 {
		t.Errorf("progress %v", progress)
	}
}
