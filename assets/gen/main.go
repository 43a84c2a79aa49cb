// Command gen draws deskdial's icons: the app icon, the tray states and the
// macOS template icon. Run it with `go generate ./assets`; the PNGs are
// committed so builds need no generator.
package main

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

type icon struct {
	name     string
	size     int
	bg       color.RGBA // zero: no disc (template icon)
	fg       color.RGBA
	badge    color.RGBA // small dot bottom right; zero: none
	waves    bool       // sound waves (calling)
	slash    bool       // offline
	template bool
}

func main() {
	out := flag.String("o", "icons", "output directory")
	flag.Parse()
	blue := color.RGBA{0x1e, 0x6f, 0xd9, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	icons := []icon{
		{name: "app.png", size: 256, bg: blue, fg: white},
		{name: "tray-idle.png", size: 64, bg: blue, fg: white},
		{name: "tray-calling.png", size: 64, bg: color.RGBA{0x1b, 0x9e, 0x4b, 0xff}, fg: white, waves: true},
		{name: "tray-offline.png", size: 64, bg: color.RGBA{0x80, 0x86, 0x8f, 0xff}, fg: white, slash: true},
		{name: "tray-error.png", size: 64, bg: color.RGBA{0xc6, 0x28, 0x28, 0xff}, fg: white, badge: color.RGBA{0xff, 0xd6, 0x00, 0xff}},
		{name: "tray-template.png", size: 44, fg: color.RGBA{0, 0, 0, 0xff}, template: true},
	}
	for _, ic := range icons {
		if err := write(filepath.Join(*out, ic.name), draw(ic)); err != nil {
			log.Fatal(err)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// draw renders the icon with 4x4 supersampling for smooth edges. Shapes are
// given in unit coordinates (0..1).
func draw(ic icon) image.Image {
	n := ic.size
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	const ss = 4
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / float64(n)
					v := (float64(y) + (float64(sy)+0.5)/ss) / float64(n)
					c, ok := shade(ic, u, v)
					if !ok {
						continue
					}
					r += float64(c.R)
					g += float64(c.G)
					b += float64(c.B)
					a += float64(c.A)
				}
			}
			if a == 0 {
				continue
			}
			// Straight (non-premultiplied) colour of the covered samples.
			k := float64(ss * ss)
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(r * 255 / a), G: uint8(g * 255 / a), B: uint8(b * 255 / a), A: uint8(a / k),
			})
		}
	}
	return img
}

// shade returns the colour at (u, v), or false where the icon is empty.
func shade(ic icon, u, v float64) (color.RGBA, bool) {
	if ic.badge.A != 0 && dist(u, v, 0.80, 0.80) < 0.17 {
		return ic.badge, true
	}
	onDisc := ic.template || dist(u, v, 0.5, 0.5) < 0.48
	if !onDisc {
		return color.RGBA{}, false
	}
	if ic.slash && math.Abs((u-v))/math.Sqrt2 < 0.045 && dist(u, v, 0.5, 0.5) < 0.36 {
		return ic.fg, true
	}
	if handset(u, v) || (ic.waves && waves(u, v)) {
		return ic.fg, true
	}
	if ic.template {
		return color.RGBA{}, false
	}
	return ic.bg, true
}

// handset is a telephone receiver: a thick arc from lower left to upper
// right with a rounded ear and mouth piece at its ends.
func handset(u, v float64) bool {
	// Arc centred at the upper left, so the receiver bows toward the lower
	// right like a phone held to the ear.
	cx, cy := 0.30, 0.30
	d := dist(u, v, cx, cy)
	ang := math.Atan2(v-cy, u-cx)
	if d > 0.26 && d < 0.36 && ang > 0.10 && ang < math.Pi/2-0.10 {
		return true
	}
	// Ear and mouth pieces.
	for _, a := range []float64{0.10, math.Pi/2 - 0.10} {
		px, py := cx+0.31*math.Cos(a), cy+0.31*math.Sin(a)
		// Pieces are capsules pointing toward the arc's centre.
		dx, dy := math.Cos(a+math.Pi/2), math.Sin(a+math.Pi/2)
		if a > 1 {
			dx, dy = -dx, -dy
		}
		if capsule(u, v, px, py, px-0.10*dx, py-0.10*dy, 0.075) {
			return true
		}
	}
	return false
}

// waves are two short arcs at the upper right: the phone is ringing.
func waves(u, v float64) bool {
	cx, cy := 0.56, 0.44
	d := dist(u, v, cx, cy)
	ang := math.Atan2(v-cy, u-cx)
	if ang < -math.Pi/2+0.25 || ang > -0.25 {
		return false
	}
	return math.Abs(d-0.16) < 0.03 || math.Abs(d-0.26) < 0.03
}

func capsule(u, v, ax, ay, bx, by, r float64) bool {
	abx, aby := bx-ax, by-ay
	t := ((u-ax)*abx + (v-ay)*aby) / (abx*abx + aby*aby)
	t = math.Max(0, math.Min(1, t))
	return dist(u, v, ax+t*abx, ay+t*aby) < r
}

func dist(x1, y1, x2, y2 float64) float64 { return math.Hypot(x1-x2, y1-y2) }
