package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"rsc.io/qr"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Offline media made trackable (SPEC section 7): a campaign's short link and QR code
// go on paper, and lead to its landing page with the campaign's UTM parameters, so a
// lead from a flyer is attributed like a lead from an ad.

// shortLink is the printed link of a campaign.
func (s *Server) shortLink(c *store.Campaign) string {
	return s.cfg.PublicURL() + "/c/" + c.ShortCode
}

// landingURL is the campaign's landing page with its UTM parameters added.
func landingURL(c *store.Campaign, source string) (string, error) {
	u, err := url.Parse(c.LandingURL)
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
	dest, err := landingURL(c, source)
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
	if c.ShortCode == "" {
		return errs.E(errs.Conflict, "landing_url", "campaign %d has no landing page, so no link to print", id)
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
