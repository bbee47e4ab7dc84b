package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"rsc.io/qr"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Offline media made trackable (SPEC section 7): every campaign's short link and QR
// code go on paper, and lead to its landing page, or to the workspace's website when
// it has none, with the campaign's UTM parameters, so a lead from a flyer is
// attributed like a lead from an ad. The destination is read at each visit: a link
// already printed follows a website or landing page set later.

// shortLink is the printed link of a campaign.
func (s *Server) shortLink(c *store.Campaign) string {
	return s.cfg.PublicURL() + "/c/" + c.ShortCode
}

// errNoDestination is the conflict of a campaign whose link leads nowhere yet.
func errNoDestination(c *store.Campaign) error {
	return errs.E(errs.Conflict, "landing_url", "campaign %d has no landing page and the workspace has no website: set the campaign's landing_url or the website_url setting, and its printed link leads there", c.ID)
}

// destination is where the campaign's printed link leads: its landing page, or else
// the workspace's website; "" when it has neither.
func (s *Server) destination(ctx context.Context, c *store.Campaign) string {
	if c.LandingURL != "" {
		return c.LandingURL
	}
	return s.settings.get(ctx, settingWebsiteURL)
}

// linkProblem says why a campaign's printed link is not shown, with website the
// workspace's website; nil when it leads somewhere and names the campaign. A link
// without the campaign's UTM key would not attribute a lead from the flyer to it, and
// a key is never made up for it (it decides which tracked traffic joins the campaign).
func linkProblem(c *store.Campaign, website string) error {
	if c.ShortCode == "" || c.UTMCampaign == "" {
		return errs.E(errs.Conflict, "utm_campaign", "campaign %d has no UTM key: give it one (utm_campaign), and its printed link and QR code carry it, so a lead who comes through them is attributed to the campaign", c.ID)
	}
	if c.LandingURL == "" && website == "" {
		return errNoDestination(c)
	}
	return nil
}

// landingURL is the page dest with the campaign's UTM parameters added.
func landingURL(c *store.Campaign, dest, source string) (string, error) {
	u, err := url.Parse(dest)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("utm_source", source)
	q.Set("utm_medium", c.Channel)
	q.Set("utm_campaign", c.UTMCampaign)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// handleShortLink is GET /c/{code}: the redirect behind a printed link or QR code.
func (s *Server) handleShortLink(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.CampaignByShortCode(r.Context(), r.PathValue("code"))
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	source := "link"
	if r.URL.Query().Get("src") == "qr" {
		source = "qr"
	}
	to := s.destination(r.Context(), c)
	if err := linkProblem(c, to); err != nil {
		// Printed before its landing page, the website or its UTM key was cleared:
		// the visitor reads a sentence, an API client the conflict.
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, "<!doctype html><title>Link not active</title><p>This link does not lead anywhere yet.</p>")
			return
		}
		s.writeError(w, r, err)
		return
	}
	dest, err := landingURL(c, to, source)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, dest, http.StatusFound)
}

// handleCampaignQR is GET /api/v1/campaigns/{id}/qr.{png,svg}: the QR code to print.
func (s *Server) handleCampaignQR(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.store.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	if err := linkProblem(c, s.destination(r.Context(), c)); err != nil {
		return err
	}
	code, err := qr.Encode(s.shortLink(c)+"?src=qr", qr.M)
	if err != nil {
		return err
	}
	name := strings.Map(func(r rune) rune {
		if r < 'a' || r > 'z' {
			if r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}
		return r
	}, strings.ToLower(c.Name))
	switch r.PathValue("format") {
	case "qr.png":
		code.Scale = 12 // about 3 cm at print resolution for a short link
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Disposition", `inline; filename="`+name+`-qr.png"`)
		_, err = w.Write(code.PNG())
		return err
	case "qr.svg":
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Content-Disposition", `inline; filename="`+name+`-qr.svg"`)
		_, err = w.Write([]byte(qrSVG(code)))
		return err
	}
	return errs.NotFoundf("no such file; qr.png or qr.svg")
}

// qrSVG draws a QR code as one SVG path with a quiet zone of four modules, crisp at
// any print size.
func qrSVG(c *qr.Code) string {
	const quiet = 4
	n := c.Size + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}
