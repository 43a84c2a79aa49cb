package ui

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
)

// The README's picture of the tray menu. No tray host that draws menus
// runs in the test environment (the end-to-end test reads the real tray's
// menu over D-Bus, which has no look), so this draws the menu model the
// tray builds, desktop.BuildMenu converted by TrayMenu, with Fyne's own
// menu widget in a window of Fyne's test driver, which paints in software. On a desktop the tray host draws
// the same entries in its own style.

// darkTheme is Fyne's default theme in its dark variant, as the
// end-to-end screenshots of the real windows show it.
type darkTheme struct{ fyne.Theme }

func (d darkTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return d.Theme.Color(n, theme.VariantDark)
}

// screenshotState is the desktop the README describes: two phones, a
// number on the clipboard, five recent calls.
func screenshotState() desktop.State {
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	return desktop.State{
		Connected: true,
		Phones: []desktop.Phone{
			{ID: device.ID{1}, Name: "Pixel", Online: true, PlacesCalls: true, CanHangup: true},
			{ID: device.ID{2}, Name: "Office phone", Online: false, PlacesCalls: false},
		},
		Default: device.ID{1},
		Clip:    &desktop.Offer{Number: "+49301234567", Raw: "+49 30 1234567", Text: "Tel. +49 30 1234567"},
		Recent: []desktop.RecentCall{
			{Name: "Anna Muster", Number: "+49301234567", Phone: "PIXEL", At: at},
			{Name: "Jonas Weber", Number: "+49897654321", Phone: "PIXEL", At: at.Add(-time.Hour)},
			{Name: "Praxis Dr. Li", Number: "+49401112223", Phone: "PIXEL", At: at.Add(-3 * time.Hour)},
			{Name: "Pizzeria Roma", Number: "+49309876543", Phone: "OFFICE", At: at.Add(-26 * time.Hour)},
			{Name: "Mama", Number: "+491712345678", Phone: "PIXEL", At: at.Add(-50 * time.Hour)},
		},
	}
}

// modelLabels are the translated labels of items and their submenus,
// separators left out.
func modelLabels(items []desktop.Item) []string {
	var out []string
	for _, it := range items {
		if it.Separator {
			continue
		}
		out = append(out, Localizer{}.T(it.Label))
		out = append(out, modelLabels(it.Children)...)
	}
	return out
}

// pictured is the text the canvas draws, in drawing order.
func pictured(c fyne.Canvas) []string {
	var out []string
	re := regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	for _, m := range re.FindAllStringSubmatch(test.RenderToMarkup(c), -1) {
		out = append(out, unescape(m[1]))
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

// textRows counts the bands of rows that hold text in columns x0 to x1 of
// img (the top-level menu): rows with pixels clearly brighter than the
// most common colour there (the menu's background), at least a few
// pixels high (separators are one or two). Dimmed text counts too.
func textRows(img image.Image, x0, x1 int) int {
	b := img.Bounds()
	lum := func(x, y int) int {
		r, g, bb, _ := img.At(x, y).RGBA()
		return int((299*r + 587*g + 114*bb) / 1000 >> 8)
	}
	count := map[int]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := x0; x < x1; x++ {
			count[lum(x, y)]++
		}
	}
	bg := 0
	for l, n := range count {
		if n > count[bg] {
			bg = l
		}
	}
	rows, band := 0, 0
	for y := b.Min.Y; y <= b.Max.Y; y++ {
		ink := false
		for x := x0; x < x1 && y < b.Max.Y && !ink; x++ {
			ink = lum(x, y) > bg+10
		}
		if ink {
			band++
			continue
		}
		if band >= 5 {
			rows++
		}
		band = 0
	}
	return rows
}

func savePNG(t *testing.T, img image.Image, name string) {
	t.Helper()
	// docs/screenshots only when asked (make screenshots), so that running
	// the tests leaves the checkout as it was.
	dir := t.TempDir()
	if os.Getenv("DESKDIAL_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// pictureCanvas is the canvas of a window of Fyne's test driver, which
// paints in software. It must be a window's: the test driver places every
// object on the canvas of the last window made.
func pictureCanvas(t *testing.T) PictureCanvas {
	t.Helper()
	w := test.NewTempWindow(t, nil)
	c, ok := w.Canvas().(PictureCanvas)
	if !ok {
		t.Fatalf("the test window's canvas %T cannot be resized", w.Canvas())
	}
	return c
}

func colours(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, a := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8), uint8(a >> 8)}] = true
		}
	}
	return len(seen)
}

func TestMenuPictures(t *testing.T) {
	a := test.NewApp()
	defer test.NewApp() // leave a fresh test app with the test theme to other tests
	a.Settings().SetTheme(darkTheme{theme.DefaultTheme()})
	t.Cleanup(func() { SetLanguage("") })

	for _, tc := range []struct {
		lang, open, file string
		want             []string // what a user reads, in order
	}{
		{"en", "Recent", "tray-menu.png", []string{
			"Connected · 1 of 2 phones online", "Call +49 30 1234567 on Pixel", "Recent",
			"Phones", "Dial…", "Pause watching clipboard", "Pair a phone…", "Settings…", "Quit",
			"Anna Muster · +49 30 1234567", "Jonas Weber · +49 89 7654321", "Praxis Dr. Li · +49 40 1112223",
			"Pizzeria Roma · +49 30 9876543", "Mama · +49 171 2345678",
		}},
		{"en", "Phones", "tray-menu-phones.png", []string{
			"Connected · 1 of 2 phones online", "Call +49 30 1234567 on Pixel", "Recent",
			"Phones", "Dial…", "Pause watching clipboard", "Pair a phone…", "Settings…", "Quit",
			"Pixel — online, calls", "Office phone — offline, opens dialer",
		}},
		{"zh-Hans", "最近通话", "tray-menu-zh.png", []string{
			"已连接 · 1/2 部手机在线", "用 Pixel 拨打 +49 30 1234567", "最近通话",
			"手机", "拨号…", "暂停监视剪贴板", "配对手机…", "设置…", "退出",
			"Anna Muster · +49 30 1234567", "Jonas Weber · +49 89 7654321", "Praxis Dr. Li · +49 40 1112223",
			"Pizzeria Roma · +49 30 9876543", "Mama · +49 171 2345678",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if err := SetLanguage(tc.lang); err != nil {
				t.Fatal(err)
			}
			items := desktop.BuildMenu(screenshotState())
			c := pictureCanvas(t)
			img, err := MenuPicture(c, items, tc.open)
			if err != nil {
				t.Fatal(err)
			}

			// The picture holds the model's entries: the top level and
			// the opened submenu, nothing else.
			got := pictured(c)
			var model []string
			for _, it := range items {
				if !it.Separator {
					model = append(model, Localizer{}.T(it.Label))
				}
			}
			for _, it := range items {
				if (Localizer{}).T(it.Label) == tc.open {
					model = append(model, modelLabels(it.Children)...)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("menu shows\n%q\nwant\n%q", got, tc.want)
			}
			if !slices.Equal(got, model) {
				t.Errorf("menu shows\n%q\nwhile the tray's model has\n%q", got, model)
			}

			// ... and draws them: a line of text for each top-level
			// entry, in a picture that is not blank.
			if n := colours(img); n < 50 {
				t.Errorf("picture has %d colours; blank?", n)
			}
			topLevel := 0
			for _, it := range items {
				if !it.Separator {
					topLevel++
				}
			}
			if n := textRows(img, 0, img.Bounds().Dx()/5); n != topLevel {
				t.Errorf("picture shows %d lines of text in the menu, want %d", n, topLevel)
			}
			savePNG(t, img, tc.file)
		})
	}
}

func TestMenuPictureUnknownSubmenu(t *testing.T) {
	test.NewApp()
	defer test.NewApp()
	_, err := MenuPicture(pictureCanvas(t), desktop.BuildMenu(screenshotState()), "Nope")
	if !errors.Is(err, ErrNoSubmenu) {
		t.Fatalf("MenuPicture with an unknown submenu: %v, want ErrNoSubmenu", err)
	}
	_, err = MenuPicture(pictureCanvas(t), desktop.BuildMenu(screenshotState()), "Quit")
	if !errors.Is(err, ErrNoSubmenu) {
		t.Fatalf("MenuPicture opening an entry without a submenu: %v, want ErrNoSubmenu", err)
	}
}
