package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/lodestone-hq/lodestone/internal/insights"
)

// linkedFilters are the contact list filters that reports and the dashboard link to;
// the list has no form field for them, only a chip.
var linkedFilters = append(append([]string{"channel", "campaign", "reached", "attribute", "value", "outcome"}, creditedParams...), qualityParams...)

type filterParam struct{ Name, Value string }

// filterChip is one active filter of the contacts list and the list without it.
type filterChip struct {
	Label, Value string
	RemoveURL    string
}

// filterChips describes the active filters in words. Removing attribute removes its
// value too, and the other way round.
func (u *ui) filterChips(r *http.Request, q url.Values) []filterChip {
	without := func(keys ...string) string {
		v := url.Values{}
		for k, vals := range q {
			if k != "cursor" && (vals[0] != "" || k == "reason") {
				v.Set(k, vals[0])
			}
		}
		for _, k := range keys {
			v.Del(k)
		}
		if len(v) == 0 {
			return "/contacts"
		}
		return "/contacts?" + v.Encode()
	}
	var out []filterChip
	add := func(label, value string, keys ...string) {
		out = append(out, filterChip{Label: label, Value: value, RemoveURL: without(keys...)})
	}
	if v := q.Get("q"); v != "" {
		add("Search", v, "q")
	}
	if v := q.Get("stage"); v != "" {
		add("Stage", stageLabel(v), "stage")
	}
	if v := q.Get("owner"); v != "" {
		name := "nobody"
		if v != "none" {
			name = "user #" + v
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				if us, err := u.s.store.User(r.Context(), id); err == nil {
					name = us.Name
				}
			}
		}
		add("Owner", name, "owner")
	}
	if v := q.Get("reached"); v != "" {
		add("Reached", stageLabel(v), "reached")
	}
	if v := q.Get("channel"); v != "" {
		add("First touch", channelLabel(v), "channel")
	}
	if v := q.Get("campaign"); v != "" {
		name := "no campaign"
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			name = "#" + v
			if c, err := u.s.store.Campaign(r.Context(), id); err == nil {
				name = c.Name
			}
		}
		add("Campaign", name, "campaign")
	}
	if a := q.Get("attribute"); a != "" {
		value := q.Get("value")
		if a == "campaign" {
			if id, err := strconv.ParseInt(value, 10, 64); err == nil {
				if c, err := u.s.store.Campaign(r.Context(), id); err == nil {
					value = c.Name
				}
			}
		} else if a == "channel" {
			value = channelLabel(value)
		}
		add(insights.LabelOf(a), value, "attribute", "value")
	}
	if q.Get("credited") != "" {
		add("Credited to", creditedChip(q, func(id int64) string {
			if c, err := u.s.store.Campaign(r.Context(), id); err == nil {
				return c.Name
			}
			return "#" + itoa(id)
		}), creditedParams...)
	}
	if q.Has("quality") {
		add("Showing", qualityChip(q), qualityParams...)
	}
	if v := q.Get("created_from"); v != "" {
		add("Created from", v, "created_from")
	}
	if v := q.Get("created_to"); v != "" {
		add("Created to", v, "created_to")
	}
	return out
}
