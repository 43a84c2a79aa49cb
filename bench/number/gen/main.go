// Command gen writes the texts the number-finding benchmark runs on: about
// 1 MB of English prose with a clipboard-like snippet every ~1.3 KB
// (mixed.txt), and about 1 MB of such snippets only (dense.txt). The
// numbers are random within valid ranges, so that no cache of earlier
// results helps, and the output is the same for the same seed.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", ".", "directory to write mixed.txt and dense.txt to")
	size := flag.Int("size", 1<<20, "bytes per text")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 7))
	g := gen{r: r}
	var mixed, dense strings.Builder
	for mixed.Len() < *size {
		for n := 0; n < 1200; {
			s := g.sentence()
			mixed.WriteString(s)
			mixed.WriteByte(' ')
			n += len(s) + 1
		}
		mixed.WriteString("\n\n")
		mixed.WriteString(g.snippet())
		mixed.WriteString("\n\n")
	}
	for dense.Len() < *size {
		dense.WriteString(g.snippet())
		dense.WriteString("\n")
	}
	for name, b := range map[string]string{"mixed.txt": mixed.String(), "dense.txt": dense.String()} {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(b), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

type gen struct{ r *rand.Rand }

func (g gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }
func (g gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}
func (g gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

var words = strings.Fields(`the a of and to in is for on with that as by this from at be are we our
your you it was will can have has an or not but all more one new about which their time people year
report team project meeting office customer order market quarterly results growth support service
product update review plan data system network city street weather travel schedule price cost
budget revenue department manager employee contract invoice delivery shipping account payment
please thanks regards attached document version release note minutes agenda summary`)

func (g gen) sentence() string {
	n := g.between(8, 20)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[g.r.IntN(len(words))]
		if g.r.IntN(25) == 0 {
			ws[i] = g.pick(fmt.Sprint(g.between(1990, 2030)), fmt.Sprint(g.between(2, 999)), fmt.Sprintf("%d.%d%%", g.between(1, 99), g.between(0, 9)))
		}
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ") + "."
}

// Phone numbers in several countries' formats, valid for their country.
func (g gen) us() string {
	area := g.pick("212", "415", "650", "312", "718", "617", "202", "303", "512", "206", "305", "646")
	ex := fmt.Sprint(g.between(201, 989))
	ln := g.digits(4)
	switch g.r.IntN(5) {
	case 0:
		return "(" + area + ") " + ex + "-" + ln
	case 1:
		return area + "-" + ex + "-" + ln
	case 2:
		return area + "." + ex + "." + ln
	case 3:
		return "+1 " + area + " " + ex + " " + ln
	}
	return "1-" + area + "-" + ex + "-" + ln
}

func (g gen) intl() string {
	switch g.r.IntN(8) {
	case 0:
		return "+44 20 7946 " + g.digits(4)
	case 1:
		return "+49 30 " + g.digits(7)
	case 2:
		return "+49 151 " + g.digits(8)
	case 3:
		return "+33 6 " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2)
	case 4:
		return "+86 138 " + g.digits(4) + " " + g.digits(4)
	case 5:
		return "+81 3-" + g.digits(4) + "-" + g.digits(4)
	case 6:
		return "+91 98" + g.digits(3) + " " + g.digits(5)
	}
	return "+55 11 9" + g.digits(4) + "-" + g.digits(4)
}

func (g gen) phone() string {
	if g.r.IntN(3) == 0 {
		return g.intl()
	}
	return g.us()
}

func (g gen) date() string {
	y, m, d := g.between(2015, 2026), g.between(1, 12), g.between(1, 28)
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, m, d, g.between(0, 23), g.between(0, 59), g.between(0, 59))
	case 1:
		return fmt.Sprintf("%02d/%02d/%04d", m, d, y)
	}
	return fmt.Sprintf("%02d.%02d.%04d", d, m, y)
}

func (g gen) name() string {
	return g.pick("Jordan", "Priya", "Tom", "Lena", "Wei", "Yuki", "Rahul", "Ana", "Camille", "Oliver") + " " +
		g.pick("Miles", "Natarajan", "Becker", "Vogel", "Zhang", "Sato", "Sharma", "Souza", "Moreau", "Grant")
}

func (g gen) snippet() string {
	switch g.r.IntN(12) {
	case 0:
		return fmt.Sprintf("%s\nSenior Account Manager, Northwind Traders\nOffice: %s | Fax: %s\n%s@example.com",
			g.name(), g.phone(), g.phone(), strings.ToLower(strings.Fields(g.name())[0]))
	case 1:
		return fmt.Sprintf("id,name,phone,zip,created\n%d,%s,%s,%05d,%s\n%d,%s,%s,%05d,%s",
			g.between(1000, 99999), g.name(), g.phone(), g.between(1000, 99999), g.date(),
			g.between(1000, 99999), g.name(), g.phone(), g.between(1000, 99999), g.date())
	case 2:
		return fmt.Sprintf("[%02d:%02d] %s: can you call me at %s? I'm in room %d", g.between(0, 23), g.between(0, 59), g.name(), g.phone(), g.between(100, 999))
	case 3:
		p := g.phone()
		return fmt.Sprintf(`<p>Questions? Call us at <a href="tel:%s">%s</a>, Mon-Fri 9-5.</p>`, strings.NewReplacer(" ", "", "(", "", ")", "", ".", "").Replace(p), p)
	case 4:
		return fmt.Sprintf(`{"customer":{"id":%d,"name":"%s","phone":"%s","created":"%sZ"}}`, g.between(1e6, 9e8), g.name(), g.phone(), strings.Replace(g.date(), " ", "T", 1))
	case 5:
		return fmt.Sprintf("BEGIN:VCARD\nVERSION:3.0\nFN:%s\nTEL;TYPE=WORK,VOICE:%s\nTEL;TYPE=CELL:%s\nEND:VCARD", g.name(), g.phone(), g.phone())
	case 6:
		id := g.digits(11)
		return fmt.Sprintf("Join Zoom Meeting\nMeeting ID: %s %s %s\nPasscode: %s\n+1 646 558 %s,,%s#", id[:3], id[3:7], id[7:], g.digits(6), g.digits(4), id)
	case 7:
		return fmt.Sprintf("Invoice %d dated %s. Total due: $%d,%03d.%02d. Card ending %s. Order no. %s", g.between(1e5, 9e6), g.date(), g.between(1, 99), g.between(0, 999), g.between(0, 99), g.digits(4), g.digits(10))
	case 8:
		return fmt.Sprintf("%s INFO request from 10.%d.%d.%d took %dms (Chrome/%d.0.%d.%d) trace %s-%s-4%s",
			g.date(), g.between(0, 255), g.between(0, 255), g.between(1, 254), g.between(1, 999), g.between(100, 130), g.between(1000, 9999), g.between(10, 200),
			g.digits(8), g.digits(4), g.digits(3))
	case 9:
		return fmt.Sprintf("Pickup at %d.%06d, -%d.%06d; call the driver on %s (ext. %d).", g.between(10, 60), g.between(0, 999999), g.between(10, 120), g.between(0, 999999), g.phone(), g.between(10, 999))
	case 10:
		return fmt.Sprintf("Card %s %s %s %s exp %02d/%02d, IBAN DE%s %s %s %s %s %s", g.digits(4), g.digits(4), g.digits(4), g.digits(4), g.between(1, 12), g.between(25, 30),
			g.digits(2), g.digits(4), g.digits(4), g.digits(4), g.digits(4), g.digits(2))
	}
	return fmt.Sprintf("Hi %s, the number for the %s office is %s and the toll-free line is 1-800-%d-%s.", g.name(), g.pick("London", "Berlin", "Paris", "Tokyo", "Austin"), g.phone(), g.between(200, 999), g.digits(4))
}
