package ui

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
)

// icoFromPNG wraps a PNG image in an icon file holding just that image:
// Windows loads notification-area icons from .ico files, whose entries may
// be PNG data (Windows Vista and later, and Wine).
func icoFromPNG(p []byte) ([]byte, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(p))
	if err != nil {
		return nil, fmt.Errorf("read icon: %w", err)
	}
	if cfg.Width < 1 || cfg.Width > 256 || cfg.Height < 1 || cfg.Height > 256 {
		return nil, fmt.Errorf("read icon: %d×%d pixels, an icon has at most 256×256", cfg.Width, cfg.Height)
	}
	side := func(n int) byte { return byte(n % 256) } // 256 is written as 0
	const head = 6 + 16                               // ICONDIR, one ICONDIRENTRY
	b := make([]byte, head, head+len(p))
	binary.LittleEndian.PutUint16(b[2:], 1) // an icon, not a cursor
	binary.LittleEndian.PutUint16(b[4:], 1) // one image
	b[6], b[7] = side(cfg.Width), side(cfg.Height)
	binary.LittleEndian.PutUint16(b[10:], 1)  // colour planes
	binary.LittleEndian.PutUint16(b[12:], 32) // bits per pixel
	binary.LittleEndian.PutUint32(b[14:], uint32(len(p)))
	binary.LittleEndian.PutUint32(b[18:], head)
	return append(b, p...), nil
}
