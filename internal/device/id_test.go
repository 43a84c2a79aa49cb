package device

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func randomID(t testing.TB) ID {
	t.Helper()
	var id ID
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIDStringForm(t *testing.T) {
	var id ID
	for i := range id {
		id[i] = byte(i * 13)
	}
	s := id.String()
	if len(s) != idStringLen {
		t.Fatalf("len(%q) = %d, want %d", s, len(s), idStringLen)
	}
	groups := strings.Split(s, "-")
	if len(groups) != 6 {
		t.Fatalf("%q has %d groups, want 6", s, len(groups))
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7' || c == '-') {
			t.Fatalf("%q contains %q, not safe as a NATS subject token", s, c)
		}
	}
	if id.Short() != groups[0] {
		t.Fatalf("Short() = %q, want first group %q", id.Short(), groups[0])
	}
}

func TestParseIDForgiving(t *testing.T) {
	id := randomID(t)
	canon := id.String()
	plain := strings.ReplaceAll(canon, "-", "")
	typed := func(f func(string) string) string { return f(canon) }
	cases := map[string]string{
		"canonical":   canon,
		"lower case":  strings.ToLower(canon),
		"no dashes":   plain,
		"spaces":      strings.ReplaceAll(canon, "-", " "),
		"padded":      "  " + canon + "\t",
		"zero for O":  typed(func(s string) string { return strings.ReplaceAll(s, "O", "0") }),
		"one for I":   typed(func(s string) string { return strings.ReplaceAll(s, "I", "1") }),
		"eight for B": typed(func(s string) string { return strings.ReplaceAll(s, "B", "8") }),
		"groups of 4": func() string {
			var b strings.Builder
			for i := 0; i < len(plain); i += 4 {
				b.WriteString(plain[i:i+4] + " ")
			}
			return b.String()
		}(),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseID(in)
			if err != nil {
				t.Fatalf("ParseID(%q): %v", in, err)
			}
			if got != id {
				t.Fatalf("ParseID(%q) = %s, want %s", in, got, canon)
			}
		})
	}
}

func TestParseIDRejects(t *testing.T) {
	canon := randomID(t).String()
	cases := map[string]string{
		"empty":          "",
		"too short":      canon[:len(canon)-1],
		"too long":       canon + "A",
		"nine":           "9" + canon[1:],
		"punctuation":    strings.Replace(canon, "-", ".", 1),
		"non-ascii":      "Ä" + canon[1:],
		"huge":           strings.Repeat("A", 10000),
		"without checks": strings.ReplaceAll(canon, "-", "")[:32],
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseID(in); !errors.Is(err, ErrBadID) {
				t.Fatalf("ParseID(%q) = %v, want ErrBadID", in, err)
			}
		})
	}
}

// TestIDCatchesEveryTypo tries, on many IDs, every single-character
// substitution and every swap of neighbouring characters.
func TestIDCatchesEveryTypo(t *testing.T) {
	ids := []ID{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	for i := 0; i < 50; i++ {
		ids = append(ids, randomID(t))
	}
	for _, id := range ids {
		plain := []byte(strings.ReplaceAll(id.String(), "-", ""))
		for i := range plain {
			for _, c := range []byte(base32Letter) {
				if c == plain[i] {
					continue
				}
				typo := append([]byte(nil), plain...)
				typo[i] = c
				if got, err := ParseID(string(typo)); err == nil {
					t.Fatalf("substitution at %d in %s accepted as %s", i, plain, got)
				}
			}
			if i+1 < len(plain) && plain[i] != plain[i+1] {
				swap := append([]byte(nil), plain...)
				swap[i], swap[i+1] = swap[i+1], swap[i]
				if got, err := ParseID(string(swap)); err == nil {
					t.Fatalf("swap at %d in %s accepted as %s", i, plain, got)
				}
			}
		}
	}
}

// TestCheckCatchesAllPairs proves the property on the check function itself
// for every pair of symbols, not only those that happen to occur in random
// IDs: Luhn mod 32 fails this for "A7".
func TestCheckCatchesAllPairs(t *testing.T) {
	for _, prefix := range []string{"", "A", "QZ", "7777777"} {
		for _, a := range []byte(base32Letter) {
			for _, b := range []byte(base32Letter) {
				if a == b {
					continue
				}
				s1 := prefix + string([]byte{a, b})
				s2 := prefix + string([]byte{b, a})
				if checkChar(s1) == checkChar(s2) {
					t.Fatalf("swap of %c%c after %q not caught", a, b, prefix)
				}
				if checkChar(prefix+string(a)) == checkChar(prefix+string(b)) {
					t.Fatalf("substitution %c->%c after %q not caught", a, b, prefix)
				}
			}
		}
	}
}

func TestIDText(t *testing.T) {
	id := randomID(t)
	b, err := id.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back ID
	if err := back.UnmarshalText([]byte(strings.ToLower(string(b)))); err != nil || back != id {
		t.Fatalf("round trip: %v %s", err, back)
	}
	if err := back.UnmarshalText([]byte("nonsense")); !errors.Is(err, ErrBadID) {
		t.Fatalf("UnmarshalText(nonsense) = %v", err)
	}
}

func TestIDFromKey(t *testing.T) {
	dir := t.TempDir()
	self, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	id, err := IDFromKey(self.SignPub)
	if err != nil || id != self.ID {
		t.Fatalf("IDFromKey = %s, %v; want %s", id, err, self.ID)
	}
	if _, err := IDFromKey(self.CurvePub); err == nil {
		t.Fatal("IDFromKey accepted a curve key")
	}
}

func FuzzParseID(f *testing.F) {
	f.Add("MFRGGZ-DFMZTW-QIBQGE-ZTAOJY-YAAZAA-AAAAAA")
	f.Add((ID{1, 2, 3}).String())
	f.Add("")
	f.Add("0o1i8b")
	f.Add(strings.Repeat("-", 100))
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrBadID) {
				t.Fatalf("error %v is not ErrBadID", err)
			}
			return
		}
		// Whatever parsed must print canonically and parse back the same.
		back, err := ParseID(id.String())
		if err != nil || back != id {
			t.Fatalf("canonical form %q does not round-trip: %v", id.String(), err)
		}
	})
}

// TestIDStringReference holds String to its definition, spelled the
// straightforward way: the base32 data in chunks of eight, each followed by
// its check character, grouped by six with dashes. String itself builds the
// form without intermediate strings, for speed.
func TestIDStringReference(t *testing.T) {
	ref := func(id ID) string {
		data := b32.EncodeToString(id[:])
		var chars strings.Builder
		for c := 0; c < idChunks; c++ {
			chunk := data[c*idChunk : (c+1)*idChunk]
			chars.WriteString(chunk)
			chars.WriteByte(checkChar(chunk))
		}
		all := chars.String()
		var groups []string
		for i := 0; i < len(all); i += idGroup {
			groups = append(groups, all[i:i+idGroup])
		}
		return strings.Join(groups, "-")
	}
	ids := []ID{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	for i := 0; i < 200; i++ {
		ids = append(ids, randomID(t))
	}
	for _, id := range ids {
		if got, want := id.String(), ref(id); got != want {
			t.Fatalf("String() = %q, want %q", got, want)
		}
		if back, err := ParseID(id.String()); err != nil || back != id {
			t.Fatalf("ParseID(%q) = %v, %v", id.String(), back, err)
		}
		if !id.Spells(ref(id)) || id.Spells(strings.ToLower(ref(id))) || id.Spells(strings.ReplaceAll(ref(id), "-", "")) || id.Spells(ref(id)+"A") {
			t.Fatalf("Spells of %s is wrong", ref(id))
		}
	}
}

func TestParseIDCountsCharacters(t *testing.T) {
	canon := randomID(t).String()
	for _, s := range []string{canon + "A", canon[:len(canon)-1], canon + canon} {
		_, err := ParseID(s)
		if err == nil || !strings.Contains(err.Error(), "characters, want 36") {
			t.Fatalf("ParseID(%q) = %v, want the wrong number of characters", s, err)
		}
	}
}
