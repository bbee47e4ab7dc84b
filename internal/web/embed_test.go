package web_test

import (
	"strings"
	"testing"
)

func TestEmbedScriptAndDefinition(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"emb","name":"Embedded","fields":["email",{"name":"size","type":"select","options":["1-10","11-50"]}],
		"allowed_origins":["https://www.customer.example"],"consents":[{"purpose":"marketing_email","label":"Yes, email me"}]}`)
	if r.status != 201 || !strings.Contains(string(r.body), `embed.js`) || !strings.Contains(string(r.body), `name=\"_hp\"`) {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	js := e.do("GET", "/f/emb/embed.js", "", "")
	if js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(js.body), "definition.json") {
		t.Fatalf("embed.js: %d", js.status)
	}
	def := e.do("GET", "/f/emb/definition.json", "", "", "Origin", "https://www.customer.example")
	if def.status != 200 || def.header.Get("Access-Control-Allow-Origin") != "https://www.customer.example" {
		t.Fatalf("definition for an allowed origin: %d %v", def.status, def.header)
	}
	if strings.Contains(string(def.body), "allowed_origins") || !strings.Contains(string(def.body), `"11-50"`) {
		t.Fatalf("definition body: %s", def.body)
	}
	other := e.do("GET", "/f/emb/definition.json", "", "", "Origin", "https://evil.example")
	if other.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS granted to an origin the form does not allow")
	}
	pre := e.do("OPTIONS", "/f/emb", "", "", "Origin", "https://www.customer.example", "Access-Control-Request-Method", "POST")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Origin") != "https://www.customer.example" {
		t.Fatalf("preflight: %d %v", pre.status, pre.header)
	}
	if pre := e.do("OPTIONS", "/f/emb", "", "", "Origin", "https://evil.example"); pre.status != 403 {
		t.Fatalf("preflight from another origin: %d", pre.status)
	}
	post := e.do("POST", "/f/emb", "", `{"email":"embed@customer.example","size":"1-10","consent_marketing_email":true,"page_url":"https://www.customer.example/?utm_source=newsletter&utm_medium=email"}`,
		"Origin", "https://www.customer.example")
	if post.status != 201 || post.header.Get("Access-Control-Allow-Origin") != "https://www.customer.example" {
		t.Fatalf("cross-origin JSON post: %d %s", post.status, post.body)
	}
	if r := e.do("GET", "/f/nope/embed.js", "", ""); r.status != 404 {
		t.Fatalf("embed of an unknown form: %d", r.status)
	}
}
