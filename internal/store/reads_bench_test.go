package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// BenchmarkContactReads times the contacts list by search word and the reads of a
// contact's detail and page, on an existing, already seeded database: the one the
// harness builds (go run ./bench --only reads --keep), named by
// LODESTONE_BENCH_DATABASE_URL (PostgreSQL) or LODESTONE_BENCH_DATA (SQLite folder),
// with LODESTONE_BENCH_CONTACT the contact with 1,000 events. Opening the database
// applies the migrations it lacks. docs/benchmarks.md has the figures.
//
//	LODESTONE_BENCH_DATA=/tmp/x LODESTONE_BENCH_CONTACT=1 go test ./internal/store/ -run X -bench ContactReads
func BenchmarkContactReads(b *testing.B) {
	opt := store.Options{DatabaseURL: os.Getenv("LODESTONE_BENCH_DATABASE_URL")}
	if dir := os.Getenv("LODESTONE_BENCH_DATA"); dir != "" {
		opt.Path = filepath.Join(dir, "lodestone.db")
	}
	if opt.DatabaseURL == "" && opt.Path == "" {
		b.Skip("LODESTONE_BENCH_DATABASE_URL or LODESTONE_BENCH_DATA names the seeded database")
	}
	id, _ := strconv.ParseInt(os.Getenv("LODESTONE_BENCH_CONTACT"), 10, 64)
	ctx := context.Background()
	s, err := store.Open(ctx, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	// The harness's words (bench/workloads.go): common, uncommon, rare, unique, absent.
	for _, w := range []string{"oskar", "felgorberg", "terragrid", "0500002", "zzqxv"} {
		b.Run("list/"+w, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Contacts(ctx, store.ContactFilter{Stage: "lead", Query: w, Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	if id == 0 {
		return
	}
	// The reads of GET /api/v1/contacts/{id} and of the page GET /contacts/{id}.
	detail := func(b *testing.B, timeline int) {
		if _, err := s.Contact(ctx, id); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Timeline(ctx, id, store.TimelineOptions{Limit: timeline}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Deals(ctx, id); err != nil {
			b.Fatal(err)
		}
		if _, err := s.DuplicateFlags(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("detail", func(b *testing.B) {
		for b.Loop() {
			detail(b, 500)
		}
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			detail(b, 100)
			if _, err := s.Users(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := s.ContactScores(ctx, id, 10); err != nil {
				b.Fatal(err)
			}
		}
	})
}
