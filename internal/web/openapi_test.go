package web_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// The served OpenAPI document holds together: every $ref names a schema the
// document defines, every operation answers with content of a media type, every
// path parameter is declared, files are described as the files they are (CSV, PNG,
// SVG), and the file upload is multipart and not offered an Idempotency-Key it would
// not honour.
func TestOpenAPIDocumentIsWhole(t *testing.T) {
	e := newAPIEnv(t)
	body := e.do("GET", "/api/v1/openapi.json", "", "").body
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for _, m := range regexp.MustCompile(`"\$ref":"([^"]*)"`).FindAllStringSubmatch(string(body), -1) {
		name, ok := strings.CutPrefix(m[1], "#/components/schemas/")
		if _, defined := doc.Components.Schemas[name]; !ok || !defined {
			t.Errorf("$ref %s names no schema of the document", m[1])
		}
	}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc.Paths {
		for method, op := range item {
			where := strings.ToUpper(method) + " " + path
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s answers nothing", where)
			}
			var media []string
			for status, r := range responses {
				content, _ := r.(map[string]any)["content"].(map[string]any)
				if len(content) == 0 {
					t.Errorf("%s %s has no content", where, status)
				}
				if strings.HasPrefix(status, "2") {
					for m := range content {
						media = append(media, m)
					}
				}
			}
			switch {
			case strings.HasSuffix(path, ".csv"):
				if len(media) != 1 || media[0] != "text/csv" {
					t.Errorf("%s answers %v, want text/csv", where, media)
				}
			case strings.HasSuffix(path, "/{format}"):
				if len(media) != 2 || !strings.Contains(strings.Join(media, " "), "image/png") {
					t.Errorf("%s answers %v, want PNG and SVG", where, media)
				}
			default:
				if len(media) != 1 || media[0] != "application/json" {
					t.Errorf("%s answers %v, want JSON", where, media)
				}
			}
			declared := map[string]bool{}
			idempotency := false
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				p := p.(map[string]any)
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
				}
				idempotency = idempotency || p["name"] == "Idempotency-Key"
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s does not declare its path parameter %s", where, m[1])
				}
			}
			if where == "POST /api/v1/imports" {
				rb, _ := op["requestBody"].(map[string]any)
				content, _ := rb["content"].(map[string]any)
				if _, ok := content["multipart/form-data"]; !ok || idempotency {
					t.Errorf("%s: body %v, Idempotency-Key offered %v", where, content, idempotency)
				}
			} else if secretAnswers[where] {
				// A secret shown once is never stored to be replayed.
				if idempotency {
					t.Errorf("%s answers with a secret but offers Idempotency-Key, which would store it", where)
				}
			} else if method == "post" && !idempotency {
				t.Errorf("%s does not offer Idempotency-Key", where)
			}
		}
	}
}

// secretAnswers are the POSTs whose answer holds a secret shown once: a new API key,
// a link to set a password. They take no Idempotency-Key.
var secretAnswers = map[string]bool{
	"POST /api/v1/api-keys":                   true,
	"POST /api/v1/users":                      true,
	"POST /api/v1/users/{user}/password-link": true,
}
