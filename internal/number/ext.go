package number

import (
	"strings"
	"unicode/utf8"
)

// Extensions in the words people write them with. libphonenumber's
// matching pattern knows "ext", "x", "#" and a few more; offices elsewhere
// write the extension after their own word, and a number followed by one
// is the number with that extension, not a number glued to a word.

// extWords are matched case-insensitively right after a number, before the
// extension's digits; the longest word that matches is taken.
var extWords = []string{
	"durchwahl", "dw", // German
	"poste",          // French
	"wew",            // Polish (wewnętrzny)
	"dahili",         // Turkish
	"interno", "int", // Spanish, Italian
	"local", "loc", // Philippine English
	"ramal",              // Portuguese
	"anknytning", "ankn", // Swedish
	"toestel", "tst", // Dutch
	"intern",                   // German, Swiss
	"extn", "extension", "ext", // English
	"добавочный", "доб", // Russian
	"máy lẻ",          // Vietnamese
	"تحويلة", "داخلي", // Arabic
	"分機", "分机", "轉", "转", "內線", "内線", "内线", "내선", // Chinese, Japanese, Korean
}

const maxExtDigits = 6

// extFirst marks the bytes an extension word can start with (ASCII letters
// in both cases), so that most candidates are passed over without trying
// each word.
var extFirst = func() (f [256]bool) {
	for _, w := range extWords {
		c := w[0]
		f[c] = true
		if 'a' <= c && c <= 'z' {
			f[c-'a'+'A'] = true
		}
		if r, _ := utf8.DecodeRuneInString(w); r >= 0x80 {
			// Cyrillic capitals share the lead byte of their small letters
			// only in part: mark the capital's lead byte too.
			up := []byte(strings.ToUpper(string(r)))
			f[up[0]] = true
		}
	}
	return f
}()

// extWord matches "[,(] WORD[.:] DIGITS" at e and returns the end of the
// digits and the digits, or e and "".
func extWord(t string, e int) (int, string) {
	i := e
	open := false
	for n := 0; n < 3 && i < len(t); n++ {
		r, w := decodeAt(t, i)
		if !(isPad(r) || r == ',' || r == '(' || r == '（' || r == '、' || r == '，') {
			break
		}
		open = open || r == '(' || r == '（'
		i += w
	}
	if i >= len(t) || !extFirst[t[i]] {
		return e, ""
	}
	word := 0
	for _, x := range extWords {
		if len(x) > word && len(t)-i >= len(x) && strings.EqualFold(t[i:i+len(x)], x) {
			word = len(x)
		}
	}
	if word == 0 {
		return e, ""
	}
	i += word
	// A Latin word must end here: "int" is not "international".
	if r, _ := decodeAt(t, i); isLetter(r) {
		if first, _ := utf8.DecodeRuneInString(t[i-word:]); isLatinLetter(first) || isCyrillic(first) {
			return e, ""
		}
	}
	for n := 0; n < 3 && i < len(t); n++ {
		r, w := decodeAt(t, i)
		if !(isPad(r) || r == '.' || r == ':' || r == '：' || r == '-' || r == '#' || r == '№') {
			break
		}
		i += w
	}
	d := i
	n := 0
	for n <= maxExtDigits {
		r, w := decodeAt(t, i)
		if w == 0 || !isDigit(r) {
			break
		}
		i += w
		n++
	}
	if n == 0 || n > maxExtDigits {
		return e, ""
	}
	// "Durchwahl 12 34" or "int. 0049…": more digits after the first group
	// are not an extension.
	j := i
	for j < len(t) && (t[j] == ' ' || t[j] == '-') {
		j++
	}
	if r, _ := decodeAt(t, j); isDigit(r) {
		return e, ""
	}
	ext := asciiDigits(t[d:i])
	// "(poste 42)": the closing bracket goes with the extension, so that
	// the brackets of the match balance.
	if open {
		r, w := decodeAt(t, i)
		if r != ')' && r != '）' {
			return e, ""
		}
		i += w
	}
	return i, ext
}

func isCyrillic(r rune) bool { return r >= 0x400 && r <= 0x4FF }

// tildeExt finds an extension written after a spaced tilde at the end of
// [s, e): "1 800 749 3524 ~1234". A tilde between digits is a pause for
// the dial tone ("0~0 49 ...") and stays in the number. It returns the end
// of the number before it and the extension's digits, or e and "".
func tildeExt(t string, s, e int) (int, string) {
	k := strings.LastIndexAny(t[s:e], "~∼～")
	if k < 0 {
		return e, ""
	}
	k += s
	_, tw := decodeAt(t, k)
	before, bw := decodeBefore(t, k)
	if !isPad(before) {
		return e, ""
	}
	d := k + tw
	if r, w := decodeAt(t, d); isPad(r) {
		d += w
	}
	n := 0
	for i := d; i < e; {
		r, w := decodeAt(t, i)
		if !isDigit(r) {
			return e, ""
		}
		n++
		i += w
	}
	if n == 0 || n > maxExtDigits {
		return e, ""
	}
	core := k - bw
	for core > s {
		r, w := decodeBefore(t, core)
		if !isPad(r) {
			break
		}
		core -= w
	}
	return core, asciiDigits(t[d:e])
}

// slashExt reads the extension after a "/x" that ends a number at k
// ("415-666-7777/x12"), up to e: the end of the digits and the digits, or
// k and "".
func slashExt(t string, k, e int) (int, string) {
	i := k + 1
	for i < e && t[i] == ' ' {
		i++
	}
	if i >= e || (t[i] != 'x' && t[i] != 'X') {
		return k, ""
	}
	i++
	for i < e && (t[i] == ' ' || t[i] == '.') {
		i++
	}
	d := i
	for i < e && isASCIIDigit(t[i]) && i-d <= maxExtDigits {
		i++
	}
	if i == d || i-d > maxExtDigits {
		return k, ""
	}
	return i, t[d:i]
}
