package number

import (
	"reflect"
	"strings"
	"testing"
)

type findCase struct {
	region, text string
	want         []string // E.164 in order of appearance
}

func runCases(t *testing.T, cases []findCase) {
	t.Helper()
	for _, c := range cases {
		var got []string
		for _, m := range Find(c.text, c.region) {
			got = append(got, m.E164)
			if c.text[m.Start:m.End] != m.Raw {
				t.Errorf("%q: Raw %q is not text[%d:%d]", c.text, m.Raw, m.Start, m.End)
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Find(%q, %s) = %v, want %v", c.text, c.region, got, c.want)
		}
	}
}

func TestFindFormats(t *testing.T) {
	runCases(t, []findCase{
		{"US", "Call (650) 253-0000 today", []string{"+16502530000"}},
		{"US", "650.253.0000 / 1-650-253-0000 / +1 650 253 0000", []string{"+16502530000", "+16502530000", "+16502530000"}},
		{"DE", "Tel. 030 1234567", []string{"+49301234567"}},
		{"DE", "089 / 123 456 78", []string{"+498912345678"}},
		{"FR", "01 23 45 67 89", []string{"+33123456789"}},
		{"FR", "01.23.45.67.89", []string{"+33123456789"}},
		{"JP", "03-1234-5678", []string{"+81312345678"}},
		{"CN", "138 0013 8000", []string{"+8613800138000"}},
		{"IN", "98765 43210", []string{"+919876543210"}},
		{"BR", "(11) 91234-5678", []string{"+5511912345678"}},
		{"GB", "0121 496 0000", []string{"+441214960000"}},
	})
}

func TestFindInternational(t *testing.T) {
	runCases(t, []findCase{
		{"US", "+44 (0)20 7946 0958", []string{"+442079460958"}},
		{"DE", "+49 (0) 89 123456", []string{"+4989123456"}},
		{"US", "011 49 30 123456", []string{"+4930123456"}},
		{"GB", "00 33 1 42 68 53 00", []string{"+33142685300"}},
		{"US", "0049 30 1234567", []string{"+49301234567"}}, // 00 outside its region
		{"JP", "010-1-650-253-0000", []string{"+16502530000"}},
		{"US", "Berlin: +49 30 123456", []string{"+4930123456"}},
	})
}

func TestFindNationalPrefixRequired(t *testing.T) {
	runCases(t, []findCase{
		{"DE", "30 1234567", nil},
		{"DE", "151 23456789", nil},
		{"FR", "1 23 45 67 89", nil},
		{"DE", "030 1234567", []string{"+49301234567"}},
	})
}

func TestFindLinks(t *testing.T) {
	runCases(t, []findCase{
		{"US", "tel:+1-650-253-0000", []string{"+16502530000"}},
		{"US", "callto://+16502530000", []string{"+16502530000"}},
		{"US", "sip:+16502530000@voip.example.com", []string{"+16502530000"}},
		{"US", "https://wa.me/491701234567", []string{"+491701234567"}},
		{"US", "https://api.whatsapp.com/send?phone=447400123456", []string{"+447400123456"}},
		{"US", "tel:%2B442079460958", []string{"+442079460958"}},
		{"DE", `<a href="tel:+49301234567">030 1234567</a>`, []string{"+49301234567", "+49301234567"}},
		{"US", "https://example.com/users/6502530000/profile", nil},
		{"US", "jane.6502530000@example.com", nil},
	})
}

func TestFindSpacesAndDigits(t *testing.T) {
	runCases(t, []findCase{
		{"DE", "089\u202f123\u202f456\u202f78", []string{"+498912345678"}},
		{"FR", "01\u00a023\u00a045\u00a067\u00a089", []string{"+33123456789"}},
		{"FR", "01\u200923\u200945\u200967\u200989", []string{"+33123456789"}},
		{"US", "305&nbsp;555&nbsp;0190", []string{"+13055550190"}},
		{"FR", "01&#160;23&#160;45&#160;67&#160;89", []string{"+33123456789"}},
		{"DE", "tel:+49%2030%201234567", []string{"+49301234567"}},
		{"JP", "０３－１２３４－５６７８", []string{"+81312345678"}},
		{"US", "（６５０）２５３－００００", []string{"+16502530000"}},
		{"IN", "९८७६५ ४३२१०", []string{"+919876543210"}}, // Devanagari digits
	})
}

func TestFindExtensions(t *testing.T) {
	cases := []struct{ region, text, e164, ext, raw string }{
		{"US", "(650) 253-0000 ext. 12", "+16502530000", "12", "(650) 253-0000 ext. 12"},
		{"US", "650-253-0000 x752", "+16502530000", "752", "650-253-0000 x752"},
		{"US", "650-253-0000 x 752", "+16502530000", "752", "650-253-0000 x 752"},
		{"US", "tel:+16502530000;ext=2210", "+16502530000", "2210", "+16502530000;ext=2210"},
		{"US", "650-253-0000 extension 204", "+16502530000", "204", "650-253-0000 extension 204"},
	}
	for _, c := range cases {
		ms := Find(c.text, c.region)
		if len(ms) != 1 || ms[0].E164 != c.e164 || ms[0].Extension != c.ext || ms[0].Raw != c.raw {
			t.Errorf("Find(%q) = %+v, want %s ext %q raw %q", c.text, ms, c.e164, c.ext, c.raw)
		}
	}
}

func TestFindConferencePause(t *testing.T) {
	runCases(t, []findCase{
		{"US", "+1 646 558 8656,,81234567890#", []string{"+16465588656"}},
		{"US", "+16465588656,,81234567890#,,,,*552931#", []string{"+16465588656"}},
		{"US", "+1 312-555-0147;48812093#", []string{"+13125550147"}},
		{"JP", "+81 3 4578 0000,,81234567890#", []string{"+81345780000"}},
		// CSV: a comma before a number is a field separator.
		{"FR", "06 12 34 56 78,01 23 45 67 89", []string{"+33612345678", "+33123456789"}},
		{"US", "1042,Ana,+1 718-555-0172", []string{"+17185550172"}},
		{"US", "1042,,4155550100", []string{"+14155550100"}}, // an empty CSV field, not a pause
	})
}

func TestFindRejectsDatesAndTimes(t *testing.T) {
	runCases(t, []findCase{
		{"US", "2024-05-17 14:22:09", nil},
		{"US", "2024-05-17T14:22:09.123Z", nil},
		{"US", "05/17/2024", nil},
		{"DE", "17.05.2024 14:22", nil},
		{"JP", "2024/05/17 14:22:09", nil},
		{"US", "20240517142209", nil},
		{"BR", `{"iat": 1716000000, "exp": 1716003600}`, nil}, // JWT times, valid São Paulo numbers otherwise
		{"US", "Coverage 2024-05-17 — 2025-05-16", nil},
		{"DE", "Bestellung 20240517 vom 17.05.2024 – Rückfragen unter 030 1234567.", []string{"+49301234567"}},
		{"US", "2024-05-17 650-253-0000", []string{"+16502530000"}}, // the rest of a candidate is kept
	})
}

func TestFindRejectsCards(t *testing.T) {
	runCases(t, []findCase{
		{"US", "4111 1111 1111 1111", nil},
		{"US", "4111-1111-1111-1111", nil},
		{"US", "4111111111111111", nil},
		{"GB", "3782 822463 10005", nil},
		{"DE", "5500 0055 5555 5559", nil},
		{"US", "+49 1512 3456 7890", nil}, // too long for a German mobile: not a card rule question
	})
	// A phone number is never mistaken for a card because of its grouping.
	runCases(t, []findCase{{"DE", "+49 151 2345 6789", []string{"+4915123456789"}}})
}

func TestFindRejectsIBANsUUIDsIPsVersions(t *testing.T) {
	runCases(t, []findCase{
		{"DE", "IBAN DE89 3704 0044 0532 0130 00", nil},
		{"DE", "DE89370400440532013000", nil},
		{"GB", "GB29 NWBK 6016 1331 9268 19", nil},
		{"FR", "FR14 2004 1010 0505 0001 3M02 606", nil},
		{"US", "00000000-0000-0000-0000-000000000000", nil},
		{"US", "trace f47ac10b-58cc-4372-a567-0e02b2c3d479", nil},
		{"US", "192.168.100.200", nil},
		{"US", "curl http://127.0.0.1:8080/", nil},
		{"US", "Chrome/124.0.6367.91", nil},
		{"US", "build 10.0.22631.3593", nil},
		{"US", "1.800.555.0199", []string{"+18005550199"}}, // dotted, but a phone number
	})
}

func TestFindRejectsCoordinatesAndPrices(t *testing.T) {
	runCases(t, []findCase{
		{"US", "40.712776, -74.005974", nil},
		{"DE", "52.520008, 13.404954", nil},
		{"US", "geo:37.786971,-122.399677", nil},
		{"US", "$6502530000", nil},
		{"US", "USD 6502530000", nil},
		{"US", "6502530000 USD", nil},
		{"DE", "1.234.567,89 €", nil},
		{"FR", "1 234 567 €", nil},
		{"JP", "12,345,678円", nil},
		{"DE", "0900 1234567 (1,99 €/Anruf)", []string{"+499001234567"}},
	})
}

func TestFindRejectsLabelledIDs(t *testing.T) {
	runCases(t, []findCase{
		{"US", "Order No. 6502530042", nil},
		{"US", "PO# 4155550142", nil},
		{"US", "Ticket 6502530099", nil},
		{"US", "Meeting ID: 812 3456 7890", nil},
		{"DE", "Kundennummer 0301234567", nil},
		{"FR", "Numéro de commande : 0612345681", nil},
		{"CN", "订单号：13800138000", nil},
		{"JP", "注文番号：0312345678", nil},
		{"JP", "ミーティングID：812 3456 7890", nil},
		{"US", "Phone number: 650-253-0000", []string{"+16502530000"}},
		{"US", "Customer service: 650-253-0000", []string{"+16502530000"}},
		{"US", "Order 12345 — call us at 650-253-0000", []string{"+16502530000"}},
		{"CN", "电话号码：13800138000", []string{"+8613800138000"}},
		{"JP", "電話番号：03-1234-5678", []string{"+81312345678"}},
		{"US", `{"orderId":"4155550100","phoneNumber":"4155550101"}`, []string{"+14155550101"}},
		{"DE", "Telefonnummer: 030 1234567, Kundennummer: 030 1234568", []string{"+49301234567"}},
		{"FR", "Numéro client : 0123456789", nil},
		{"FR", "Service client : 01 23 45 67 89", []string{"+33123456789"}},
		{"DE", "Rechnung Nr. 2024/0301234567", nil},
		{"US", "Fax number for orders: 650-253-0001", []string{"+16502530001"}},
		{"US", "Ref | 650-253-0001", []string{"+16502530001"}},
		{"US", "Your order 6502530001 has shipped", nil},
	})
}

func TestFindNeighbours(t *testing.T) {
	runCases(t, []findCase{
		{"DE", "USt-IdNr. DE123456789", nil},
		{"US", "INV6502530000", nil},
		{"US", "6502530000abc", nil},
		{"US", "50%6502530000", nil},
		{"US", "0301234567 kWh", nil},
		{"US", "Score 4155550100 points", nil},
		{"US", "650-253-0000—12345", nil}, // glued to other digits by a dash
		{"US", "650-253-0000/415-555-0100", []string{"+16502530000", "+14155550100"}},
		{"DE", "Tel 030/1234567 / 0170/1234567", []string{"+49301234567", "+491701234567"}},
		{"CN", "电话13800138000", []string{"+8613800138000"}}, // CJK letters are not Latin
		{"US", "Call: 415-555-0100 (9am–5pm PT)", []string{"+14155550100"}},
		{"US", "ABC1 (415) 555-0100", []string{"+14155550100"}},
		{"US", "415-555-0100 12%", []string{"+14155550100"}},
		{"US", "ABC415-555-0100", nil},
		{"US", "phone = '4155550100'; alt = *415-555-0101*", []string{"+14155550100", "+14155550101"}},
	})
}

func TestFindVanity(t *testing.T) {
	runCases(t, []findCase{
		{"US", "1-800-FLOWERS", []string{"+18003569377"}},
		{"US", "1-800-GO-FEDEX", []string{"+18004633339"}},
		{"US", "1-800-Flowers", nil},
	})
}

func TestFindTypes(t *testing.T) {
	cases := []struct {
		region, text string
		typ          Type
		safe         bool
	}{
		{"US", "1-900-555-0199", TypePremium, false},
		{"DE", "0180 5 123456", TypeSharedCost, false},
		{"US", "800-555-0199", TypeTollFree, true},
		{"DE", "0151 23456789", TypeMobile, true},
		{"FR", "01 23 45 67 89", TypeFixed, true},
		{"JP", "0570-012-345", TypeUAN, false},
	}
	for _, c := range cases {
		ms := Find(c.text, c.region)
		if len(ms) != 1 || ms[0].Type != c.typ || ms[0].SafeToAutoDial() != c.safe {
			t.Errorf("Find(%q) = %+v, want type %s, safe %v", c.text, ms, c.typ, c.safe)
		}
	}
}

func TestFindUnique(t *testing.T) {
	text := "030 1234567, +49 30 1234567, 0170 1234567, tel:+49301234567"
	got := FindUnique(text, "DE")
	if len(got) != 2 || got[0].E164 != "+49301234567" || got[0].Raw != "030 1234567" || got[1].E164 != "+491701234567" {
		t.Errorf("FindUnique = %+v", got)
	}
}

func TestScanLimit(t *testing.T) {
	pad := strings.Repeat("x ", 40)
	text := "030 1234567 " + pad + "0170 1234567"
	if got := Find(text, "DE", WithScanLimit(60)); len(got) != 1 {
		t.Errorf("limit 60: %d matches, want 1", len(got))
	}
	// The cut never splits a number into a valid shorter one: a number cut
	// in the middle is not reported.
	if got := Find("+49 30 12345678", "DE", WithScanLimit(13)); len(got) != 0 {
		t.Errorf("cut number: %+v", got)
	}
	// The cut lands on a rune boundary.
	if got := Find("０３－１２３４－５６７８", "JP", WithScanLimit(10)); len(got) != 0 {
		t.Errorf("cut full-width number: %+v", got)
	}
	big := strings.Repeat("lorem ipsum ", DefaultScanLimit/12+10) + "030 1234567"
	if got := Find(big, "DE"); len(got) != 0 {
		t.Errorf("number beyond the default limit was found")
	}
	if got := Find(big, "DE", WithScanLimit(0)); len(got) != 1 {
		t.Errorf("unlimited scan: %d matches", len(got))
	}
}

func TestFindRegion(t *testing.T) {
	// No or an unknown region: only numbers with a country code.
	for _, r := range []string{"", "ZZ", "xx"} {
		got := Find("030 1234567 or +49 30 1234568", r)
		if len(got) != 1 || got[0].E164 != "+49301234568" {
			t.Errorf("region %q: %+v", r, got)
		}
	}
	if got := Find("030 1234567", "de"); len(got) != 1 {
		t.Errorf("lower-case region: %+v", got)
	}
	if !KnownRegion("de") || KnownRegion("QQ") {
		t.Error("KnownRegion")
	}
}
