package contact

import "testing"

func BenchmarkNormalizeEmail(b *testing.B) {
	for b.Loop() {
		if _, err := NormalizeEmail("  Jane.Doe+Leads@Bücher.DE "); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompanyDomain(b *testing.B) {
	for b.Loop() {
		if _, ok := CompanyDomain("https://www.Shop.Example.co.uk/path"); !ok {
			b.Fatal("not ok")
		}
	}
}

func BenchmarkNormalizePhone(b *testing.B) {
	for b.Loop() {
		if _, err := NormalizePhone("+49 (0)30 123456", "DE"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNameCompanyKey(b *testing.B) {
	for b.Loop() {
		NameCompanyKey("Élodie", "Müller", "Société Générale S.A.")
	}
}
