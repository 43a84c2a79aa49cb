package number

import "testing"

// Extensions written with the local word, after "/x" or after a spaced
// tilde are reported on the number, and do not hide it.
func TestFindExtensionWords(t *testing.T) {
	cases := []struct{ region, text, e164, ext string }{
		{"CN", "总机 021-5888 6666转 312", "+862158886666", "312"},
		{"CN", "电话：0755-2688 8666 分机602", "+8675526888666", "602"},
		{"TW", "電話 02-2345-6789 分機 18", "+886223456789", "18"},
		{"JP", "TEL 06-6345-1234（内線 55）", "+81663451234", "55"},
		{"KR", "대표 02-3456-7890 내선 7", "+82234567890", "7"},
		{"RU", "+7 495 765-43-21 доб. 1234", "+74957654321", "1234"},
		{"DE", "0221 987654, Durchwahl 31", "+49221987654", "31"},
		{"DE", "030 1234567 DW 12", "+49301234567", "12"},
		{"FR", "01 44 55 66 77 (poste 318)", "+33144556677", "318"},
		{"PL", "22 123 45 67 wew. 204", "+48221234567", "204"},
		{"TR", "0216 333 44 55 Dahili: 1203", "+902163334455", "1203"},
		{"IT", "02 1234 5678 int. 31", "+390212345678", "31"},
		{"AR", "(011) 4321-1234 int. 215", "+541143211234", "215"},
		{"PH", "(02) 8888 1234 loc. 402", "+63288881234", "402"},
		{"PH", "(02) 8888 1234 local 402", "+63288881234", "402"},
		{"BR", "(61) 3234-5678 ramal 221", "+556132345678", "221"},
		{"SE", "018-471 23 45 ankn. 12", "+46184712345", "12"},
		{"CH", "061 234 56 78, intern 312", "+41612345678", "312"},
		{"EG", "02 2579 1234 تحويلة 105", "+20225791234", "105"},
		{"US", "212-736-5000/x12", "+12127365000", "12"},
		{"US", "212-736-5000 /x 12", "+12127365000", "12"},
		{"US", "1 800 749 3524 ~1234", "+18007493524", "1234"},
		{"GB", "0117 234 5678 ~22", "+441172345678", "22"},
		{"PL", "0~0 1 800 749 3524 ~1234", "+18007493524", "1234"},
		{"PL", "tel. 0~0 44 20 7946 0018 ~12", "+442079460018", "12"},
		{"US", "650-253-0000 ext. 12", "+16502530000", "12"},
	}
	for _, c := range cases {
		ms := Find(c.text, c.region)
		if len(ms) != 1 || ms[0].E164 != c.e164 || ms[0].Extension != c.ext {
			t.Errorf("Find(%q, %s) = %+v, want %s ext %q", c.text, c.region, ms, c.e164, c.ext)
		}
	}
	// Not extensions: a word that only starts like one, more digits after
	// the label, a tilde between digits.
	runCases(t, []findCase{
		{"DE", "030 1234567 international", []string{"+49301234567"}},
		{"PL", "0~0 49 30 12345678", []string{"+49301234567" + "8"}},
	})
	for _, c := range []struct{ region, text string }{{"DE", "030 1234567 international"}, {"DE", "030 1234567 DW 12 34"}} {
		if ms := Find(c.text, c.region); len(ms) == 0 || ms[0].Extension != "" {
			t.Errorf("Find(%q) = %+v, want no extension", c.text, ms)
		}
	}
}
