package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// On SQLite a new contact's search words are not written by the transaction that
// captures it: there they were random inserts into the (term, contact_id) key and
// its contact index, about ten a contact, and made close to a third of the pages a
// burst of form posts writes, on the single writer every capture waits for. A
// background indexer writes them instead, for all the contacts created meanwhile at
// once, sorted, so that neighbouring words share their index pages.
//
// search_watermark holds the highest contact id whose words are all in
// contact_terms; the contacts above it are the tail. A search reads the watermark
// first, then the index, then the tail's search column (a range of ids, see
// searchFilter), so a contact is found from the moment its capture commits. The
// watermark lives in the database, not in memory: another process (the import
// command) may write the same file, and a crash leaves the tail for the next start
// to index.
//
// PostgreSQL keeps writing the words with the contact: its transactions commit ids
// out of order, so a watermark of ids could pass a contact not yet committed. On
// SQLite the one writer commits them in order. Contacts are never deleted; if
// they were, the newest one's id could be given again below the watermark
// (contacts.id is not AUTOINCREMENT), and its new contact's words would have to
// be written with it.

// wordBatch is the most contacts one indexing transaction reads: a few thousand
// contacts' words make inserts that touch each index page once, and the writer is
// held for tens of milliseconds, not seconds.
const wordBatch = 5000

// wordGather is how long the indexer lets new contacts gather after it is woken,
// so that a burst of form posts is indexed a few thousand contacts at a time.
var wordGather = 250 * time.Millisecond

// wordPoll is how often the indexer looks for a tail it was not told about: the
// contacts another process created.
const wordPoll = 5 * time.Second

// wordIndexer runs the indexing of a SQLite store in the background.
type wordIndexer struct {
	s       *Store
	gather  time.Duration // wordGather when the store opened
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	held    atomic.Bool // tests: the background loop indexes nothing
	noFlush atomic.Bool // tests: Close leaves the tail, as a crash would
}

func newWordIndexer(s *Store) *wordIndexer {
	x := &wordIndexer{s: s, gather: wordGather, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go x.run()
	return x
}

// signal asks the indexer to look at the tail soon; it never blocks.
func (x *wordIndexer) signal() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

func (x *wordIndexer) run() {
	defer close(x.done)
	tick := time.NewTicker(wordPoll)
	defer tick.Stop()
	// At start, whatever a crash or another process left.
	x.signal()
	for {
		select {
		case <-x.stop:
			return
		case <-x.wake:
			// Let the contacts of a burst gather.
			select {
			case <-x.stop:
				return
			case <-time.After(x.gather):
			}
		case <-tick.C:
		}
		if x.held.Load() {
			continue
		}
		if err := x.s.indexTail(context.Background()); err != nil {
			slog.Warn("search words: indexing new contacts failed; trying again later", "err", err)
		}
	}
}

// close stops the background loop and indexes the tail, so that the next start
// finds nothing to do.
func (x *wordIndexer) close() error {
	var err error
	x.once.Do(func() {
		close(x.stop)
		<-x.done
		if !x.noFlush.Load() {
			err = x.s.IndexSearchWords(context.Background())
		}
	})
	return err
}

// contactsCreated tells the indexer, once the transaction commits, that it created
// contacts whose words are to be indexed.
func (t *Tx) contactsCreated() {
	if t.s.words == nil || t.wakeWords {
		return
	}
	t.wakeWords = true
	t.AfterCommit(t.s.words.signal)
}

// IndexSearchWords writes the search words of every contact above the watermark
// now: for tests, and for the import command before it ends. It does nothing on
// PostgreSQL, where the words are written with their contact.
func (s *Store) IndexSearchWords(ctx context.Context) error {
	if s.engine != SQLite {
		return nil
	}
	for {
		n, err := s.indexWords(ctx)
		if err != nil || n < wordBatch {
			return err
		}
	}
}

// indexTail indexes the tail when there is one. The look is on a reader, so an
// idle store does not take the writer every few seconds.
func (s *Store) indexTail(ctx context.Context) error {
	var tail bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id > (SELECT contact_id FROM search_watermark))`).Scan(&tail)
	if err != nil || !tail {
		return err
	}
	return s.IndexSearchWords(ctx)
}

// indexWords writes, in one transaction, the words of up to wordBatch contacts
// above the watermark, and moves the watermark past them. It returns how many
// contacts it read.
//
// The words are those of the contact's search column as it is now: a contact
// updated since its capture had its old words replaced by writeTerms, which
// inserted the new ones already (the conflicts are skipped).
func (s *Store) indexWords(ctx context.Context) (int, error) {
	n := 0
	err := s.RunInTx(ctx, func(tx *Tx) error {
		n = 0
		var mark int64
		if err := tx.queryRow(ctx, `SELECT contact_id FROM search_watermark`).Scan(&mark); err != nil {
			return err
		}
		type term struct {
			word string
			id   int64
		}
		var terms []term
		last := mark
		err := txRows(ctx, tx, `SELECT id, search FROM contacts WHERE id > ? ORDER BY id LIMIT ?`, []any{mark, wordBatch}, func(r *sql.Rows) error {
			var id int64
			var search string
			if err := r.Scan(&id, &search); err != nil {
				return err
			}
			for _, w := range strings.Fields(search) {
				terms = append(terms, term{w, id})
			}
			last, n = id, n+1
			return nil
		})
		if err != nil || n == 0 {
			return err
		}
		slices.SortFunc(terms, func(a, b term) int { return cmp.Or(strings.Compare(a.word, b.word), cmp.Compare(a.id, b.id)) })
		args := make([]any, 0, 2*len(terms))
		for _, t := range terms {
			args = append(args, t.word, t.id)
		}
		if err := insertBulk(ctx, tx, `INSERT INTO contact_terms (term, contact_id) VALUES `, 2, ` ON CONFLICT DO NOTHING`, args, nil); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE search_watermark SET contact_id = ?`, last)
		return err
	})
	if err != nil {
		return 0, errors.Join(errors.New("index search words"), err)
	}
	return n, nil
}

// searchWatermark reads the highest contact id whose words are all indexed.
func (s *Store) searchWatermark(ctx context.Context) (int64, error) {
	var mark int64
	err := s.queryRow(ctx, `SELECT contact_id FROM search_watermark`).Scan(&mark)
	return mark, err
}
