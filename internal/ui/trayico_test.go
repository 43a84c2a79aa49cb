package ui

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"testing"

	"github.com/deskdial/deskdial/assets"
)

// TestIcoFromPNG: each tray icon becomes an icon file of one entry that
// points at the unchanged PNG, with its size in the entry, as Windows reads
// it.
func TestIcoFromPNG(t *testing.T) {
	for _, state := range []string{"idle", "calling", "offline", "error"} {
		p := assets.TrayIcon(state)
		ico, err := icoFromPNG(p)
		if err != nil {
			t.Fatalf("%s: %v", state, err)
		}
		cfg, _ := png.DecodeConfig(bytes.NewReader(p))
		le := binary.LittleEndian
		if le.Uint16(ico[0:]) != 0 || le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 1 {
			t.Fatalf("%s: header % x", state, ico[:6])
		}
		if int(ico[6]) != cfg.Width || int(ico[7]) != cfg.Height || le.Uint16(ico[12:]) != 32 {
			t.Fatalf("%s: entry % x for %d×%d", state, ico[6:22], cfg.Width, cfg.Height)
		}
		off, n := le.Uint32(ico[18:]), le.Uint32(ico[14:])
		if int(off+n) != len(ico) || !bytes.Equal(ico[off:], p) {
			t.Fatalf("%s: the entry does not point at the PNG (offset %d, %d bytes of %d)", state, off, n, len(ico))
		}
	}
	// 256 pixels is written as 0.
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 256, 256))); err != nil {
		t.Fatal(err)
	}
	if ico, err := icoFromPNG(buf.Bytes()); err != nil || ico[6] != 0 || ico[7] != 0 {
		t.Fatalf("256×256: %v, % x", err, ico[6:8])
	}
	buf.Reset()
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 257, 16)))
	if _, err := icoFromPNG(buf.Bytes()); err == nil {
		t.Fatal("a 257 pixels wide image made an icon")
	}
	if _, err := icoFromPNG([]byte("not a png")); err == nil {
		t.Fatal("text made an icon")
	}
}
