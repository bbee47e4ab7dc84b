package web

func init() {
	count := obj{"type": "integer"}
	schemas["Import"] = props(obj{
		"id":           count,
		"file_name":    str(""),
		"size_bytes":   count,
		"status":       obj{"type": "string", "enum": []string{"draft", "queued", "running", "done", "failed"}},
		"options":      props(obj{"channel": str(""), "campaign_id": count, "consent": str(""), "existing": str("update or skip"), "mapping": obj{"type": "object"}, "header": arr(str(""))}),
		"encoding":     str("UTF-8, Windows-1252 or UTF-16"),
		"delimiter":    str("comma, semicolon or tab"),
		"rows_total":   nullable(count),
		"rows_read":    count,
		"created":      count,
		"updated":      count,
		"skipped":      count,
		"rejected":     count,
		"error":        str("why the import failed"),
		"rejected_csv": str("where the rejected rows are, when there are any"),
		"created_at":   obj{"type": "string", "format": "date-time"},
		"finished_at":  obj{"type": "string", "format": "date-time"},
	})
	schemas["ImportList"] = props(obj{"imports": arr(ref("Import"))})
	// The form definition's proof-of-work setting.
	if form, ok := schemas["FormInput"].(obj); ok {
		in, _ := form["properties"].(obj)
		in["proof_of_work"] = props(obj{"required": obj{"type": "boolean", "description": "refuse posts without a solved challenge (visitors need JavaScript)"},
			"difficulty": obj{"type": "integer", "description": "size of the ALTCHA puzzle in bits (maxnumber is 2^difficulty), 8 to 24, default 16"}})
	}
}
