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

// A US number, as the form benchmark posts them: +1 is shared by 25 regions, so the
// region is found by matching the US plan first.
func BenchmarkNormalizePhoneUS(b *testing.B) {
	for b.Loop() {
		if _, err := NormalizePhone("+12125551234", ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPhoneInfo(b *testing.B) {
	for _, n := range []string{"+12125551234", "+4915123456789", "+447400123456"} {
		b.Run(n, func(b *testing.B) {
			for b.Loop() {
				if _, lt := PhoneInfo(n); lt == "unknown" {
					b.Fatal(lt)
				}
			}
		})
	}
}

// Most names and companies are ASCII, as the form benchmark's are.
func BenchmarkNameCompanyKeyASCII(b *testing.B) {
	for b.Loop() {
		NameCompanyKey("Ann123", "Lee2", "acme Corp")
	}
}
