package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// A panic inside a transaction rolls it back, even when its context is never
// cancelled (an Idempotency-Key request runs on to its end): the connection is free
// for the next write, where SQLite's one writer would otherwise stay taken for good.
func TestPanicInTransactionRollsItBack(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.WithoutCancel(context.Background())
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not go on up")
			}
		}()
		_ = s.RunInTx(ctx, func(tx *store.Tx) error {
			if _, err := s.CountContacts(ctx); err != nil {
				t.Fatal(err)
			}
			panic("a bug in a handler")
		})
	}()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.Ingest(wctx, []store.Capture{{Type: "form_submit", Email: "after@panic.example"}}); err != nil {
		t.Fatalf("a write after the panic: %v", err)
	}
}
