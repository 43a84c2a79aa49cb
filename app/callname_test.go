package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/history"
)

const callNameCards = `BEGIN:VCARD
VERSION:3.0
FN:Anna Schmidt
ORG:Beispiel GmbH
TEL;TYPE=WORK:030 1234567
TEL;TYPE=CELL:0151 23456789
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Jörg Müller
TEL;TYPE=work:+49 89 1234567
TEL;TYPE=home:+49 89 7654321
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Anna Weber
TEL;TYPE=CELL:0160 9876543
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Empfang Kanzlei
TEL;VALUE=uri;TYPE=work:tel:+49-89-5555555;ext=12
END:VCARD
`

// Calling by name: one person resolves (mobile preferred), several people or
// several numbers without a mobile list the choices and dial nothing, no
// match is a clear error; every call lands in the history as a recent.
func TestCallByName(t *testing.T) {
	desk, phone := dpHome(t, dpFreeAddr(t)), dpHome(t, "")
	logFile := filepath.Join(phone, "dialled.log")
	srv := dpStart(t, desk, "serve")
	srv.waitFor("is serving on")
	dpPairPhone(t, desk, phone, logFile)

	vcf := filepath.Join(t.TempDir(), "contacts.vcf")
	if err := os.WriteFile(vcf, []byte(callNameCards), 0o600); err != nil {
		t.Fatal(err)
	}
	dpMustRun(t, desk, "contacts", "import", vcf)

	out := dpMustRun(t, desk, "call", "Anna Schmidt")
	if !strings.Contains(out, "Anna Schmidt (mobile): +4915123456789") || !strings.Contains(out, "Sent to Pixel") {
		t.Fatalf("call by name: %q", out)
	}
	if got := dpLines(t, logFile); len(got) != 1 || got[0] != "+4915123456789" {
		t.Fatalf("the phone dialled %v, want Anna's mobile", got)
	}

	// An extension is shown, with what to key in; the phone dials the
	// main number only.
	out = dpMustRun(t, desk, "call", "Empfang")
	if !strings.Contains(out, "Empfang Kanzlei (work): +49895555555, ext. 12") || !strings.Contains(out, "key in 12 on the phone") {
		t.Fatalf("call by name with an extension: %q", out)
	}
	if got := dpLines(t, logFile); len(got) != 2 || got[1] != "+49895555555" {
		t.Fatalf("the phone dialled %v, want the main number without the extension", got)
	}

	for _, tc := range []struct {
		name  string
		code  int
		wants []string
	}{
		{"Anna", exitUsage, []string{"Anna Schmidt", "Anna Weber", "+491609876543"}},
		{"Jörg Müller", exitUsage, []string{"+49891234567", "+49897654321"}},
		{"Zacharias Nobody", exitError, []string{"no contact matches"}},
	} {
		code, _, errOut := dpRun(t, desk, "call", tc.name)
		if code != tc.code {
			t.Errorf("call %q: exit %d, want %d (%s)", tc.name, code, tc.code, errOut)
		}
		for _, w := range tc.wants {
			if !strings.Contains(errOut, w) {
				t.Errorf("call %q: stderr lacks %q:\n%s", tc.name, w, errOut)
			}
		}
	}
	if got := dpLines(t, logFile); len(got) != 2 {
		t.Fatalf("an unresolved name was dialled: %v", got)
	}

	// The CLI's calls are recents the tray and the dial box show.
	dpMustRun(t, desk, "call", "+49 30 7777777")
	st, err := history.Open(filepath.Join(desk, historyFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, err := st.Recent(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 3 || rec[0].Number != "+49307777777" || rec[2].Number != "+4915123456789" ||
		rec[2].Name != "Anna Schmidt" || rec[2].PhoneName != "Pixel" || rec[2].Outcome != call.OutcomeAccepted {
		t.Fatalf("recents: %+v", rec)
	}
}
