package protocol

import (
	"testing"

	"github.com/deskdial/deskdial/internal/device"
)

// Fixed keys for tests and the test vectors in docs/protocol.md. They are
// published, so never use them for anything else.
const (
	desktopSignSeed  = "SUAEL2UMNMRVU2NHNNTHOXSFIZR4BCBASYJG7KBNB76GRRLJQI3QQBKYN4"
	desktopCurveSeed = "SXADUUENXPZYWVZHY5U3GKLIVXLI7O5BPSGI5UTRZL34SZJF6JHPBZNGCM"
	phoneSignSeed    = "SUACLFKSBMFZI7UXDVGZ3GOAUQEAFXSGOMWGPMYTBL6GZAIFS4MBOSDMPQ"
	phoneCurveSeed   = "SXAFEL4WVI63IQJYG6P5OA6P6ZXV5N3CZLW7HBXFISKC3Z5EAJFWGELG5U"
)

func fixed(t testing.TB, sign, curve string) *device.Identity {
	t.Helper()
	id, err := device.FromSeeds([]byte(sign), []byte(curve))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func desktop(t testing.TB) *device.Identity { return fixed(t, desktopSignSeed, desktopCurveSeed) }
func phone(t testing.TB) *device.Identity   { return fixed(t, phoneSignSeed, phoneCurveSeed) }

func fresh(t testing.TB) *device.Identity {
	t.Helper()
	id, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return id
}
