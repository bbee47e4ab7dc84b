package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// formJSON is a form as the API shows it: its definition and where it lives.
type formJSON struct {
	ID int64 `json:"id"`
	capture.FormDefinition
	URL string `json:"url"`
	// Three ways onto a customer's site: a script that draws the form in place and
	// posts it as JSON, an iframe of the hosted page, and a plain HTML form that works
	// with JavaScript off.
	Embed       string `json:"embed_script"`
	EmbedIframe string `json:"embed_iframe"`
	EmbedHTML   string `json:"embed_html"`
	Archived    bool   `json:"archived"`
	CreatedAt   string `json:"created_at"`
}

func (s *Server) toFormJSON(f *store.Form) (formJSON, error) {
	var def capture.FormDefinition
	if err := json.Unmarshal(f.Definition, &def); err != nil {
		return formJSON{}, err
	}
	def.Slug, def.Name, def.Kind, def.CampaignID = f.Slug, f.Name, f.Kind, f.CampaignID
	u := s.cfg.PublicURL() + "/f/" + f.Slug
	return formJSON{ID: f.ID, FormDefinition: def, URL: u, Archived: f.Archived, CreatedAt: f.CreatedAt.Format("2006-01-02T15:04:05Z07:00"),
		Embed:       `<script src="` + u + `/embed.js" async></script>`,
		EmbedIframe: iframeSnippet(s.cfg.PublicURL(), u, f.Name),
		EmbedHTML:   plainFormHTML(u, &def)}, nil
}

func templateEscape(s string) string { return template.HTMLEscapeString(s) }

// iframeSnippet frames the hosted page at u. Its script draws the frame with the
// embedding page's address (page_url, with its UTM parameters) and the page that
// referred the visitor (referrer) in the frame's address: from inside the frame, the
// Referer names only the embedding page, often cut to its origin. Where the tracking
// snippet (t.js of base) is on the page and allows tracking, the frame also carries
// the visitor id; the script waits for the tracking snippet to load if it has not
// yet (two seconds at most). Without JavaScript the plain frame is drawn.
func iframeSnippet(base, u, name string) string {
	js := func(v string) string { b, _ := json.Marshal(v); return string(b) } // escapes <, > and &
	title := templateEscape(name)
	return `<script>(function (s) {
  var drawn;
  function draw() {
    if (drawn) return;
    drawn = true;
    var u = new URL(` + js(u) + `), l = window.lodestone, v = l && l.visitorId && l.visitorId();
    u.searchParams.set("page_url", location.href);
    if (document.referrer) u.searchParams.set("referrer", document.referrer);
    if (v) u.searchParams.set("visitor_id", v);
    var f = document.createElement("iframe");
    f.src = u.href; f.title = ` + js(name) + `; f.width = "100%"; f.height = "640"; f.style.border = "0";
    s.parentNode.insertBefore(f, s);
  }
  var t = document.querySelector('script[src="` + base + `/t.js"]');
  if (t && !(window.lodestone && window.lodestone.visitorId)) { t.addEventListener("load", draw); t.addEventListener("error", draw); setTimeout(draw, 2000); } else draw();
})(document.currentScript);</script>
<noscript><iframe src="` + u + `" title="` + title + `" width="100%" height="640" frameborder="0"></iframe></noscript>`
}

func (s *Server) saveForm(w http.ResponseWriter, r *http.Request, id int64) error {
	var def capture.FormDefinition
	if err := decodeJSON(r, &def); err != nil {
		return err
	}
	if err := def.Check(); err != nil {
		return err
	}
	if err := s.redirectBesideMagnet(r.Context(), id, &def); err != nil {
		return err
	}
	raw, err := json.Marshal(def)
	if err != nil {
		return err
	}
	f, err := s.store.SaveForm(r.Context(), store.Form{ID: id, Slug: def.Slug, Name: def.Name, Kind: def.Kind, CampaignID: def.CampaignID, Definition: raw},
		principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	s.forms.forget()
	out, err := s.toFormJSON(f)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if id != 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
	return nil
}

func (s *Server) handleCreateForm(w http.ResponseWriter, r *http.Request) error {
	return s.saveForm(w, r, 0)
}

func (s *Server) handleUpdateForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.Form(r.Context(), id); err != nil {
		return err
	}
	return s.saveForm(w, r, id)
}

func (s *Server) handleGetForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.store.Form(r.Context(), id)
	if err != nil {
		return err
	}
	out, err := s.toFormJSON(f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleListForms(w http.ResponseWriter, r *http.Request) error {
	forms, err := s.store.Forms(r.Context())
	if err != nil {
		return err
	}
	out := make([]formJSON, 0, len(forms))
	for _, f := range forms {
		j, err := s.toFormJSON(f)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"forms": out})
	return nil
}

// plainFormHTML is a form to paste into any page: it posts to the hosted endpoint and
// needs no JavaScript; the visitor lands on the thank-you page.
func plainFormHTML(action string, def *capture.FormDefinition) string {
	var b strings.Builder
	// Browsers cut the Referer of a post to another site down to the site's origin,
	// losing the page's UTM parameters, unless the page's referrer policy allows more.
	b.WriteString(`<!-- Without JavaScript, the page's UTM parameters reach Lodestone only if this page sends its full address:` +
		` put <meta name="referrer" content="no-referrer-when-downgrade"> in its <head>. -->` + "\n")
	// With JavaScript, the ALTCHA widget solves the form's proof of work when the form
	// is sent (the site must be one of the form's allowed origins to fetch its challenge).
	b.WriteString(`<form method="post" action="` + action + `">` + "\n")
	for _, f := range def.Fields {
		name := template.HTMLEscapeString(f.Name)
		label := template.HTMLEscapeString(f.Label)
		req := ""
		if f.Required {
			req = " required"
		}
		switch f.Type {
		case "hidden":
			b.WriteString(`  <input type="hidden" name="` + name + `" value="` + template.HTMLEscapeString(f.Default) + `">` + "\n")
		case "checkbox":
			b.WriteString(`  <label><input type="checkbox" name="` + name + `" value="yes"` + req + `> ` + label + `</label>` + "\n")
		case "textarea":
			b.WriteString(`  <label>` + label + ` <textarea name="` + name + `"` + req + `></textarea></label>` + "\n")
		case "select":
			b.WriteString(`  <label>` + label + ` <select name="` + name + `"` + req + `><option value="">Choose…</option>`)
			for _, o := range f.Options {
				b.WriteString(`<option>` + template.HTMLEscapeString(o) + `</option>`)
			}
			b.WriteString(`</select></label>` + "\n")
		default:
			typ := map[string]string{"email": "email", "phone": "tel"}[f.Type]
			if typ == "" {
				typ = "text"
			}
			b.WriteString(`  <label>` + label + ` <input type="` + typ + `" name="` + name + `"` + req + `></label>` + "\n")
		}
	}
	for _, c := range def.Consents {
		b.WriteString(`  <label><input type="checkbox" name="` + capture.ConsentInput(c.Purpose) + `" value="yes"> ` + template.HTMLEscapeString(c.Label) + `</label>` + "\n")
	}
	// The page's address (with its UTM parameters) and the page that brought the
	// visitor, filled in by the script below the form; with JavaScript off the server
	// reads the page's address from the Referer header instead.
	b.WriteString(`  <input type="hidden" name="page_url"><input type="hidden" name="referrer">` + "\n")
	b.WriteString(`  <div style="position:absolute;left:-10000px" aria-hidden="true"><input type="text" name="_hp" tabindex="-1" autocomplete="off"></div>` + "\n")
	b.WriteString(`  <altcha-widget challenge="` + action + `/challenge" auto="onsubmit"></altcha-widget>` + "\n")
	b.WriteString(`  <button type="submit">Send</button>` + "\n</form>\n")
	b.WriteString(`<script>(function (f) { f.elements.page_url.value = location.href; f.elements.referrer.value = document.referrer; })(document.currentScript.previousElementSibling);</script>` + "\n")
	b.WriteString(`<script src="` + strings.TrimSuffix(action, "/f/"+def.Slug) + altchaScript() + `" defer></script>`)
	return b.String()
}
