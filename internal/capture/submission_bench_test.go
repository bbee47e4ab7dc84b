package capture

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

// BenchmarkParseSubmission parses the form benchmark's post (bench/form_post.lua).
func BenchmarkParseSubmission(b *testing.B) {
	var d FormDefinition
	if err := json.Unmarshal([]byte(`{"slug":"bench","name":"Benchmark form","fields":["email","first_name","last_name","company","job_title","phone","country","message"]}`), &d); err != nil {
		b.Fatal(err)
	}
	v, err := url.ParseQuery("email=run.t1.n5%40acme5.com&first_name=Ann5&last_name=Lee1&company=acme+Corp&job_title=Head+of+Marketing" +
		"&phone=%2B12122000005&country=DE&message=Please+call+me+about+pricing+for+our+team")
	if err != nil {
		b.Fatal(err)
	}
	m := SubmissionMeta{Slug: "bench", IP: "127.0.0.1", UserAgent: "wrk", Now: time.Now(), Region: ""}
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := ParseSubmission(&d, v, m); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}
