package contact

import "strings"

// roleLocals are local parts that name a function or a mailbox robot rather than a
// person. They are written without separators: "no-reply", "no_reply" and "no.reply"
// all reduce to "noreply" before the lookup. Local-language words common among our
// users are included next to the English ones.
var roleLocals = map[string]bool{
	"info": true, "information": true, "hello": true, "hi": true, "contact": true,
	"contacts": true, "contactus": true, "office": true, "team": true, "general": true,
	"mail": true, "email": true, "reception": true, "enquiries": true, "enquiry": true,
	"inquiries": true, "inquiry": true, "feedback": true,
	"sales": true, "marketing": true, "press": true, "media": true, "pr": true,
	"news": true, "newsletter": true, "partners": true, "partner": true, "events": true,
	"support": true, "help": true, "helpdesk": true, "service": true,
	"customerservice": true, "customercare": true, "care": true, "success": true,
	"admin": true, "administrator": true, "root": true, "sysadmin": true, "it": true,
	"webmaster": true, "postmaster": true, "hostmaster": true, "abuse": true,
	"security": true, "privacy": true, "legal": true, "compliance": true, "dpo": true,
	"noreply": true, "donotreply": true, "notifications": true, "notification": true,
	"alerts": true, "bounce": true, "bounces": true, "mailerdaemon": true,
	"billing": true, "accounts": true, "accounting": true, "finance": true,
	"invoice": true, "invoices": true, "payments": true, "purchasing": true,
	"procurement": true, "orders": true, "order": true, "shop": true, "store": true,
	"booking": true, "bookings": true, "reservations": true,
	"hr": true, "jobs": true, "careers": true, "recruiting": true, "recruitment": true,
	"talent": true, "hiring": true,
	// German, French, Spanish, Italian, Dutch.
	"kontakt": true, "vertrieb": true, "buero": true, "büro": true, "verwaltung": true,
	"bestellung": true, "rechnung": true, "personal": true, "bewerbung": true,
	"contacto": true, "ventas": true, "contatto": true, "vendite": true,
	"commercial": true, "accueil": true, "verkoop": true,
}

// IsRoleAddress reports whether the local part is a role, not a person (info, sales,
// admin, support, contact, office, hello, team, marketing, noreply, no-reply, billing, hr,
// jobs, webmaster, postmaster, ...). A "+tag" is ignored, so "sales+web@acme.com" is a
// role too. Without an @ the whole string is taken as the local part.
func IsRoleAddress(email string) bool {
	local := strings.ToLower(strings.TrimSpace(email))
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local = local[:at]
	}
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		local = local[:plus]
	}
	local = strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' {
			return -1
		}
		return r
	}, local)
	return roleLocals[local]
}
