package capture

import (
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

func TestMapHeader(t *testing.T) {
	tests := []struct {
		name      string
		header    string
		overrides map[string]string
		fields    string // per column, | separated
		unmapped  string
	}{
		{"hubspot", "First Name,Last Name,Email,Phone Number,Company Name,Job Title,Street Address,City,State/Region,Postal Code,Country/Region,Website URL,Lifecycle Stage", nil,
			"first_name|last_name|email|phone|company|job_title|street|city|region|postal_code|country|website|", "Lifecycle Stage"},
		{"salesforce", "First Name,Last Name,Title,Account Name,Email,Phone,Mobile,Mailing Street,Mailing City,Mailing State/Province,Mailing Zip/Postal Code,Mailing Country", nil,
			"first_name|last_name|job_title|company|email|phone|phone|street|city|region|postal_code|country", ""},
		{"mautic", "email,firstname,lastname,company,position,phone,mobile,address1,city,state,zipcode,country,website", nil,
			"email|first_name|last_name|company|job_title|phone|phone|street|city|region|postal_code|country|website", ""},
		{"facebook", "email,full_name,phone_number,first_name,last_name,company_name,job_title,city,country,zip_code,street_address", nil,
			"email|full_name|phone|first_name|last_name|company|job_title|city|country|postal_code|street", ""},
		{"case, spaces and punctuation", " E-MAIL ,EMAIL_ADDRESS,e mail", nil, "email|email|email", ""},
		{"custom columns and unnamed ones", "email,custom.shoe_size,Custom.Bad Name,", nil, "email|custom.shoe_size||", "Custom.Bad Name, (column 4, no name)"},
		{"overrides win, ignore, and fold", "Email,Notes,Name,Lead Source", map[string]string{"notes": "custom.notes", "Name": "", "lead source": "custom.source"},
			"email|custom.notes||custom.source", ""},
		{"an override gives the email column", "Kontakt,Firma", map[string]string{"Kontakt": "email"}, "email|company", ""},
	}
	for _, tt := range tests {
		m, err := MapHeader(strings.Split(tt.header, ","), tt.overrides)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := strings.Join(m.Fields, "|"); got != tt.fields {
			t.Errorf("%s: fields\n got %s\nwant %s", tt.name, got, tt.fields)
		}
		if got := strings.Join(m.Unmapped, ", "); got != tt.unmapped {
			t.Errorf("%s: unmapped %q, want %q", tt.name, got, tt.unmapped)
		}
	}
}

func TestMapHeaderPhoneBeforeMobile(t *testing.T) {
	m, err := MapHeader([]string{"Mobile", "email", "Phone"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, rej := (&importRows{m: &m, opt: &ImportOptions{Region: "DE"}}).capture([]string{"0171 1234567", "", "030 1234567"}, 2)
	if rej != nil || c.Phone != "+49301234567" {
		t.Fatalf("phone %q, %+v: the phone column comes before the mobile one", c.Phone, rej)
	}
	c, _ = (&importRows{m: &m, opt: &ImportOptions{Region: "DE"}}).capture([]string{"0171 1234567", "", ""}, 3)
	if c.Phone != "+491711234567" {
		t.Fatalf("phone %q: the mobile fills in for an empty phone", c.Phone)
	}
}

func TestMapHeaderRefuses(t *testing.T) {
	tests := []struct {
		header    string
		overrides map[string]string
		says      string
	}{
		{"Email,Notes", map[string]string{"Notes": "remarks"}, `"remarks" is not a field`},
		{"Email,Notes", map[string]string{"Notes": "custom.Bad Name"}, "custom field names"},
		{"Email,Notes", map[string]string{"Nope": "city"}, `the file has no column "Nope"`},
		{"Name,City", nil, "no column holds an email address or a phone number"},
		{"Email,City", map[string]string{"Email": ""}, "no column holds an email address or a phone number"},
	}
	for _, tt := range tests {
		_, err := MapHeader(strings.Split(tt.header, ","), tt.overrides)
		if err == nil || !strings.Contains(err.Error(), tt.says) || errs.Code(err) != errs.Invalid {
			t.Errorf("%s %v: error %v, want one saying %s", tt.header, tt.overrides, err, tt.says)
		}
	}
}

func TestSplitFullName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Ada Lovelace", "Ada", "Lovelace"},
		{"Anna Maria  Schmidt", "Anna Maria", "Schmidt"},
		{"Lovelace, Ada", "Ada", "Lovelace"},
		{"Cher", "Cher", ""},
		{"  ", "", ""},
	}
	for _, tt := range tests {
		if f, l := splitFullName(tt.in); f != tt.first || l != tt.last {
			t.Errorf("splitFullName(%q) = %q, %q", tt.in, f, l)
		}
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		header string
		want   rune
	}{
		{"email,name", ','},
		{"email;name;city", ';'},
		{"email\tname", '\t'},
		{`"Name, full";email;city`, ';'},
		{"email", ','},
		{"a;b,c,d", ','},
	}
	for _, tt := range tests {
		if got := sniffDelimiter([]byte(tt.header)); got != tt.want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}
