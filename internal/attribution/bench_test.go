package attribution

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkClassify(b *testing.B) {
	lookup := campaigns(map[string]Channel{"spring-fair": Event})
	touches := map[string]WebTouch{
		"paid":     {PageURL: "https://acme.example/?utm_source=google&utm_medium=cpc", UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "brand"},
		"campaign": {UTMCampaign: "Spring-Fair", UTMSource: "qr", UTMMedium: "print"},
		"referrer": {PageURL: "https://acme.example/pricing", Referrer: "https://www.google.co.uk/search?q=acme"},
		"internal": {PageURL: "https://www.acme.example/pricing", Referrer: "https://acme.example/"},
	}
	for name, touch := range touches {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Classify(touch, lookup)
			}
		})
	}
	b.Run("from properties", func(b *testing.B) {
		props := map[string]string{"page_url": "https://acme.example/offer?utm_source=Facebook&utm_medium=paid&utm_campaign=spring",
			"referrer": "https://l.facebook.com/"}
		for b.Loop() {
			Classify(FromProperties(props), lookup)
		}
	})
}

func BenchmarkCredits(b *testing.B) {
	for _, n := range []int{1, 6, 50} {
		ts := journey(n, n/3, 2*n/3)
		for _, m := range Models {
			b.Run(fmt.Sprintf("%s/%d", m, n), func(b *testing.B) {
				for b.Loop() {
					Credits(m, ts, win)
				}
			})
		}
	}
	b.Run("split money/6", func(b *testing.B) {
		w := Credits(WShaped, journey(6, 2, 4), win.Add(time.Hour))
		for b.Loop() {
			SplitMoney(1_234_567, w)
		}
	})
}
