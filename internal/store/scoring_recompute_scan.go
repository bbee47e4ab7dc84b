package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// A full rescore reads the scoring window of events in table order, each page once,
// instead of batch by batch through the contact index: on SQLite that looked up the
// table row of every event whose properties matter (page views and stage changes,
// most of them), 7.2 million lookups at a million contacts; on PostgreSQL, whose
// rows are not clustered by contact, each batch of 5,000 contacts read about 40,000
// of the events table's 273,000 pages, 8 million page reads in all. The scan keeps
// of each event that counts only what the scores need, encoded in a few bytes
// (heldEvents: about 8, and on PostgreSQL its id in 1 or 2 more), filed under its
// contact's batch; once the scan is over,
// the batches are scored from what they hold and staged as before, their fit read on
// the readers batch by batch. The sums are those of scoreRangePacked, in the same
// order: a contact's events are sorted by time, then id, so they are summed in
// (occurred_at, id) order. On SQLite the scan reads in id order, and the sort, a
// stable one, needs no id; PostgreSQL's rows lie in the order they were written
// (an anonymous visitor's events move when it turns into a contact), so each event
// keeps its id.
//
// What the scan holds is bounded by scanBudget events: past it, the pass gives up
// its last batches, which a further pass (a further scan) takes. A pass is read by
// scanReaders readers, each a part of the table in a read transaction that lasts
// its part of the scan (during which SQLite cannot complete a checkpoint): on SQLite
// a range of event ids, on PostgreSQL a range of the table's pages.

// scanBudget is how many events a scan pass holds at most (about 8 bytes each, see
// heldEvents).
var scanBudget = 12_000_000

// scanMinContacts is how many live contacts must be left to stage for a recompute to
// read them by a scan of the events table; fewer are read by batches of the contact
// index, as a scan reads every event of the window whoever it belongs to.
var scanMinContacts = 50_000

// scanMaxEvents is the largest events table a recompute reads by scans. A pass must
// read the whole table and stage every batch it holds within one run of the job
// (its lease, minutes): 1,000,000 contacts with 10,000,000 events take about 30 s.
// Past this size the batches are read from the contact index as before, which
// moves on at every run however large the tables.
var scanMaxEvents int64 = 40_000_000

// scanReaders is how many readers share a scan pass, each a range of event ids.
var scanReaders = 2

// scanPartMin is how many events each reader of a scan pass reads at least.
var scanPartMin int64 = 100_000

// heldEvents are the events of one batch that one part of a scan kept, in the order
// it read them: of each, when (occurred_at), the contact it counts for (its place in
// its batch), its kind (an index in the kinds of the part that read it) and, on
// PostgreSQL, its id. They are encoded as varints in chunks of heldChunk bytes,
// which are never copied as they fill: the place and the kind in one number (the
// kind shifted past the place's bits), then the time and the id each as its
// difference from the previous event's. A scan reads a batch's events roughly in
// time order (ids grow with time; on PostgreSQL, the pages too), so the differences
// are small: about 8 bytes an event at a million contacts where 16 bytes in slices
// grown by appending (24 with their room to grow) held the Go heap at twice that,
// as the collector lets it grow to twice what is live.
type heldEvents struct {
	chunks [][]byte
	n      int   // events
	at, id int64 // the last event's
}

// heldChunk is the size of heldEvents' chunks: an event takes at most
// 3*binary.MaxVarintLen64 bytes, and a chunk is left once less is free.
const heldChunk = 16 << 10

// add appends an event; posBits is the number of bits of a place in the batch.
func (h *heldEvents) add(at int64, pos int32, kind uint32, posBits uint, id int64, withID bool) {
	last := len(h.chunks) - 1
	if last < 0 || cap(h.chunks[last])-len(h.chunks[last]) < 3*binary.MaxVarintLen64 {
		h.chunks = append(h.chunks, make([]byte, 0, heldChunk))
		last++
	}
	c := h.chunks[last]
	c = binary.AppendUvarint(c, uint64(kind)<<posBits|uint64(pos))
	c = binary.AppendVarint(c, at-h.at) // wraps around, as its sum below
	if withID {
		c = binary.AppendVarint(c, id-h.id)
	}
	h.chunks[last] = c
	h.at, h.id = at, id
	h.n++
}

// each calls f with every event in the order they were added.
func (h *heldEvents) each(posBits uint, withID bool, f func(at int64, pos int32, kind uint32, id int64)) {
	var at, id int64
	mask := uint64(1)<<posBits - 1
	for _, c := range h.chunks {
		for len(c) > 0 {
			pk, n := binary.Uvarint(c)
			c = c[n:]
			d, n := binary.Varint(c)
			c = c[n:]
			at += d
			if withID {
				d, n := binary.Varint(c)
				c = c[n:]
				id += d
			}
			f(at, int32(pk&mask), uint32(pk>>posBits), id)
		}
	}
}

// posBits is the number of bits a place in a batch of batch contacts takes.
func posBits(batch int32) uint {
	return uint(bits.Len32(uint32(max(batch, 1) - 1)))
}

// scanKind is what scoring needs of an event besides its time: which engagement
// rules count it (bit k for rule k) and whether it recycles its contact.
type scanKind struct {
	rules   uint64
	recycle bool
}

// scanBatch is one batch of a scan pass: its live contacts in id order and the
// events that count for them, in the scan's order.
type scanBatch struct {
	ids     []int64
	evs     []*heldEvents // by part of the scan (see readScanPart), each in id order on SQLite
	posBits uint          // of the pass's batches (see heldEvents)
	withIDs bool          // evs hold the events' ids (PostgreSQL)
}

// scanPass is what one scan read: batches of consecutive live contacts with their
// events, and the kinds the events name.
type scanPass struct {
	batches []*scanBatch
	kinds   [][]scanKind // by part of the scan
}

// scanPass reads the live contacts with ids after after, in batches of batch, and
// their events of the scoring window in one scan of the events table (see
// readScanPart for its parts and their snapshots). It returns nil, with left the
// live contacts left, when fewer than scanMinContacts are left (none, or too few to
// be worth a scan) or the events table is past scanMaxEvents.
// The pass may hold fewer batches than the contacts left make (see scanBudget).
func (s *Store) scanPass(ctx context.Context, run *scoreRun, after int64, batch int) (p *scanPass, left int, err error) {
	t0 := time.Now()
	held := 0
	defer func() {
		if recomputeTrace != nil && p != nil {
			bytes := 0
			for _, sb := range p.batches {
				for _, h := range sb.evs {
					for _, c := range h.chunks {
						bytes += len(c)
					}
				}
			}
			recomputeTrace("scan pass of "+itoa(int64(len(p.batches)))+" batches, "+itoa(int64(held))+" events in "+itoa(int64(bytes))+" bytes", time.Since(t0))
		}
	}()
	err = s.readSnapshot(ctx, func(q querier) error {
		ids, err := idRows(q.query(ctx, `SELECT id FROM contacts WHERE id > ? AND merged_into_id IS NULL ORDER BY id`, after))
		if err != nil {
			return err
		}
		left = len(ids)
		if len(ids) < max(scanMinContacts, 1) || ids[len(ids)-1] >= 1<<54 {
			return nil
		}
		// A contact's place in ids, plus one, by its id (0: not a live contact of the
		// pass): in an array over the ids' span when they are dense enough, as they
		// are, else in a map. Contacts merged into a live one take its place.
		base, span := ids[0], ids[len(ids)-1]-ids[0]+1
		var dense []int32
		sparse := map[int64]int32{}
		if span <= 4*int64(len(ids))+1<<20 {
			dense = make([]int32, span)
		}
		place := func(id int64) int32 {
			if dense != nil && id >= base && id-base < span {
				return dense[id-base]
			}
			return sparse[id]
		}
		setPlace := func(id int64, v int32) {
			if dense != nil && id >= base && id-base < span {
				dense[id-base] = v
			} else {
				sparse[id] = v
			}
		}
		for i, id := range ids {
			setPlace(id, int32(i+1))
		}
		type child struct{ id, parent int64 }
		var children []child
		rows, err := q.query(ctx, `SELECT id, merged_into_id FROM contacts WHERE merged_into_id > ?`, after)
		if err := eachRow(rows, err, func(rows *sql.Rows) error {
			var c child
			err := rows.Scan(&c.id, &c.parent)
			children = append(children, c)
			return err
		}); err != nil {
			return err
		}
		for _, c := range children {
			// Only children of live contacts: a parent merged in turn is not read.
			if p := place(c.parent); p > 0 && place(c.id) == 0 {
				setPlace(c.id, p)
			}
		}

		var maxEvent, pages int64
		var snapshot string
		if s.engine == Postgres {
			// Every reader sees this snapshot (the others import it); the parts are
			// ranges of the table's pages as it is now, the last one to its end.
			rows, qerr := q.query(ctx, `SELECT COALESCE((SELECT MAX(id) FROM events), 0),
				pg_relation_size(CAST('events' AS regclass)) / CAST(current_setting('block_size') AS BIGINT), pg_export_snapshot()`)
			err = eachRow(rows, qerr, func(rows *sql.Rows) error { return rows.Scan(&maxEvent, &pages, &snapshot) })
		} else {
			var me []int64
			me, err = idRows(q.query(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`))
			if len(me) > 0 {
				maxEvent = me[0]
			}
		}
		if err != nil {
			return err
		}
		if maxEvent > scanMaxEvents {
			return nil
		}
		nb := (len(ids) + batch - 1) / batch
		parts := max(1, min(scanReaders, int(maxEvent/max(scanPartMin, 1))))
		results := make([]*scanPart, parts)
		errc := make(chan error, parts)
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// Part k is read the first on this snapshot, the others each on a reader of
		// its own. On SQLite it reads the events with ids in (from, to], and the
		// others' snapshots, taken after this one, hold the same events up to
		// maxEvent (later ones are the late events finishRecompute rescores). On
		// PostgreSQL it reads a range of the table's pages, the last to the end, on
		// this very snapshot: a row whose id is below maxEvent may commit after it
		// (ids are drawn before commit), and a reader of its own would see it.
		readPart := func(q querier, k int) error {
			r := scanRange{from: maxEvent * int64(k) / int64(parts), to: maxEvent * int64(k+1) / int64(parts)}
			if s.engine == Postgres {
				r = scanRange{pg: true, page: pages * int64(k) / int64(parts)}
				if k < parts-1 {
					r.pageEnd = pages * int64(k+1) / int64(parts)
				}
			}
			part, err := readScanPart(pctx, q, run, place, nb, int32(batch), int32(len(ids)), r, scanBudget/parts)
			results[k] = part
			return err
		}
		for k := 1; k < parts; k++ {
			go func() {
				err := s.readSnapshotOf(pctx, snapshot, func(q querier) error { return readPart(q, k) })
				if err != nil {
					cancel()
				}
				errc <- err
			}()
		}
		err0 := readPart(q, 0)
		if err0 != nil {
			cancel()
		}
		for range parts - 1 {
			if err := <-errc; err != nil && err0 == nil {
				err0 = err
			}
		}
		if err0 != nil {
			return err0
		}
		// The batches every part holds whole.
		limit := int32(len(ids))
		for _, part := range results {
			limit = min(limit, part.limit)
		}
		p = &scanPass{}
		for i := 0; i < nb && int32(i*batch) < limit; i++ {
			sb := &scanBatch{ids: ids[i*batch : min((i+1)*batch, len(ids))], posBits: posBits(int32(batch)), withIDs: s.engine == Postgres}
			for _, part := range results {
				sb.evs = append(sb.evs, &part.evs[i])
				held += part.evs[i].n
			}
			p.batches = append(p.batches, sb)
		}
		for _, part := range results {
			p.kinds = append(p.kinds, part.kinds)
		}
		return nil
	})
	if err != nil || p == nil {
		return nil, left, err
	}
	return p, left, nil
}

// scanPart is what one reader of a scan pass read: the events of each batch, the
// kinds they name, and the place from which its batches were given up.
type scanPart struct {
	evs   []heldEvents
	kinds []scanKind
	limit int32
}

// scanRange is the part of the events table one reader of a scan pass reads: on
// SQLite the events with ids in (from, to], in id order; on PostgreSQL (pg) those on
// the table's pages from page on and before pageEnd (0: to the end), in the order
// they lie there, through a TID range scan.
type scanRange struct {
	pg            bool
	from, to      int64
	page, pageEnd int64
}

// readScanPart reads the events of the scoring window in r and keeps those that
// count for the contacts of a pass: place gives a contact's place in the pass, plus
// one (0 for none), nb the pass's batches of batch contacts, n its contacts. Past
// budget events it gives up its last batches.
func readScanPart(ctx context.Context, q querier, run *scoreRun, place func(int64) int32, nb int, batch, n int32, r scanRange, budget int) (*scanPart, error) {
	part := &scanPart{evs: make([]heldEvents, nb), limit: n}
	pb := posBits(batch)
	held := 0
	ef := run.eventFilter()
	pr := &packedReader{ef: ef, rules: run.rules.Engagement, props: map[string]any{}}
	kindOf := map[scanKind]uint32{}
	kind := func(k scanKind) uint32 {
		if v, ok := kindOf[k]; ok {
			return v
		}
		v := uint32(len(part.kinds))
		part.kinds = append(part.kinds, k)
		kindOf[k] = v
		return v
	}
	// The kind of an event whose properties do not matter follows from its type.
	byType := make([]int64, len(ef.types)) // kind+1, or 0 when its properties matter
	for t, name := range ef.types {
		if ef.needProps[name] {
			continue
		}
		e := scoring.Event{Type: name}
		k := scanKind{recycle: recycles(e)}
		for r, rule := range pr.rules {
			if rule.Matches(e) {
				k.rules |= 1 << r
			}
		}
		byType[t] = int64(kind(k)) + 1
	}
	// Three columns a row: the contact and the type's index in one number, the
	// time, and the properties where they matter; on PostgreSQL the id too.
	var args []any
	typ := `CASE e.type`
	for i, t := range ef.types {
		typ += ` WHEN ? THEN ` + strconv.Itoa(i)
		args = append(args, t)
	}
	typ += ` ELSE 255 END`
	var need []any
	for _, t := range ef.types {
		if ef.needProps[t] {
			need = append(need, t)
		}
	}
	props := `NULL`
	if len(need) > 0 {
		props = `CASE WHEN e.type IN (` + placeholders(len(need)) + `) THEN e.properties END`
		args = append(args, need...)
	}
	query := `SELECT e.contact_id * 256 + ` + typ + `, e.occurred_at, ` + props
	if r.pg {
		// Pages, not ids: a range of ids would be read through the primary key or by
		// scanning the whole table. A TID range scan reads only these pages (from
		// PostgreSQL 14; an older server reads the whole table for each part, with the
		// same answer). Tid literals: numbers only.
		query += `, e.id FROM events e WHERE e.ctid >= '(` + itoa(r.page) + `,0)'`
		if r.pageEnd > 0 {
			query += ` AND e.ctid < '(` + itoa(r.pageEnd) + `,0)'`
		}
	} else {
		query += ` FROM events e NOT INDEXED WHERE e.id > ? AND e.id <= ?`
		args = append(args, r.from, r.to)
	}
	query += ` AND e.contact_id IS NOT NULL AND e.occurred_at >= ? AND e.type IN (` + placeholders(len(ef.types)) + `)`
	if !r.pg {
		query += ` ORDER BY e.id`
	}
	args = append(args, ef.horizon)
	for _, t := range ef.types {
		args = append(args, t)
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var raw sql.RawBytes
	var ct, at, id int64
	dest := []any{&ct, &at, &raw}
	if r.pg {
		dest = append(dest, &id)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		t := int(ct & 255)
		pl := place(ct>>8) - 1
		if pl < 0 || pl >= part.limit || t >= len(ef.types) {
			continue
		}
		var k uint32
		if v := byType[t]; v > 0 {
			k = uint32(v - 1)
		} else {
			e := scoring.Event{Type: ef.types[t]}
			if len(raw) > 0 && string(raw) != "{}" {
				e.Properties = pr.decode(raw)
			}
			sk := scanKind{recycle: recycles(e)}
			for r, rule := range pr.rules {
				if rule.Matches(e) {
					sk.rules |= 1 << r
				}
			}
			k = kind(sk)
		}
		if sk := part.kinds[k]; sk.rules == 0 && !sk.recycle {
			continue // it adds nothing to any sum
		}
		part.evs[pl/batch].add(at, pl%batch, k, pb, id, r.pg)
		if held++; held > budget {
			// Give up the last batches until a quarter of the budget is free again;
			// a later pass reads them.
			last := int(part.limit-1) / int(batch)
			for last > 0 && held > budget*3/4 {
				held -= part.evs[last].n
				part.evs[last] = heldEvents{}
				last--
			}
			part.limit = int32(last+1) * batch
		}
	}
	return part, rows.Err()
}

// scannedScores scores a batch of a scan pass from its events and the fit matches
// of its contacts, as scoreRangePacked does.
func (run *scoreRun) scannedScores(sb *scanBatch, kinds [][]scanKind, matched map[int64][]bool) []contactScore {
	start, grouped := sb.grouped(kinds)
	out := make([]contactScore, len(sb.ids))
	for i, id := range sb.ids {
		out[i] = run.computePacked(id, grouped[start[i]:start[i+1]], matched[id])
	}
	return out
}

// grouped returns a batch's events as packedEvents, each contact's together (the
// ith contact's from start[i] to start[i+1]) in the order they are summed: by time,
// then id.
func (sb *scanBatch) grouped(kinds [][]scanKind) (start []int, grouped []packedEvent) {
	// Each contact's events together, in the scan's order: a stable counting sort on
	// the contact, over the parts in order.
	start = make([]int, len(sb.ids)+1)
	for _, evs := range sb.evs {
		evs.each(sb.posBits, sb.withIDs, func(_ int64, pos int32, _ uint32, _ int64) { start[pos+1]++ })
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	grouped = make([]packedEvent, start[len(sb.ids)])
	next := slices.Clone(start[:len(sb.ids)])
	for k, evs := range sb.evs {
		evs.each(sb.posBits, sb.withIDs, func(at int64, pos int32, kind uint32, id int64) {
			kd := kinds[k][kind]
			grouped[next[pos]] = packedEvent{id: id, at: at, rules: kd.rules, recycle: kd.recycle}
			next[pos]++
		})
	}
	for i := range sb.ids {
		// In time order, then id order: on SQLite (no ids) events of the same time
		// stay in the scan's order, which is id order.
		slices.SortStableFunc(grouped[start[i]:start[i+1]], func(a, b packedEvent) int {
			if c := cmp.Compare(a.at, b.at); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
	}
	return start, grouped
}
