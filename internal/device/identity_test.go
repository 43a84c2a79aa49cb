package device

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nkeys"
)

func TestLoadOrCreateKeepsKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	first, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID || first.SignPub != second.SignPub || first.CurvePub != second.CurvePub {
		t.Fatal("second run made new keys")
	}
	if !nkeys.IsValidPublicUserKey(first.SignPub) || !nkeys.IsValidPublicCurveKey(first.CurvePub) {
		t.Fatalf("keys are not nkeys user/curve keys: %s %s", first.SignPub, first.CurvePub)
	}
	if pub, _ := first.SignKP().PublicKey(); pub != first.SignPub {
		t.Fatal("SignKP does not match SignPub")
	}
	if pub, _ := first.CurveKP().PublicKey(); pub != first.CurvePub {
		t.Fatal("CurveKP does not match CurvePub")
	}
	sig, err := first.Sign([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(second.SignPub, []byte("hello"), sig); err != nil {
		t.Fatalf("signature of the first run does not verify with the second: %v", err)
	}
	if err := Verify(second.SignPub, []byte("hellO"), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify of a changed message = %v", err)
	}
	// nkeys agrees with our cached key.
	if err := first.SignKP().Verify([]byte("hello"), sig); err != nil {
		t.Fatalf("nkeys does not verify our signature: %v", err)
	}
}

func TestSeedFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions only; Windows relies on the profile's ACL")
	}
	dir := t.TempDir()
	if _, err := LoadOrCreate(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SeedFile)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("seed file mode %04o, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"SU`) || !strings.Contains(string(data), `"SX`) {
		t.Fatalf("seed file does not hold nkeys seeds: %s", data)
	}
}

func TestSeedFileReadableByOthersIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions only; Windows relies on the profile's ACL")
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		dir := t.TempDir()
		orig, err := LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, SeedFile)
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err = LoadOrCreate(dir)
		if !errors.Is(err, ErrSeedExposed) {
			t.Fatalf("mode %04o: err = %v, want ErrSeedExposed", mode, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "chmod 600") || !strings.Contains(msg, path) {
			t.Fatalf("message does not say what to do: %q", msg)
		}
		// Nothing was lost: fixing the mode brings the same keys back.
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		again, err := LoadOrCreate(dir)
		if err != nil || again.ID != orig.ID {
			t.Fatalf("after chmod 600: %v", err)
		}
	}
}

func TestBadSeedFile(t *testing.T) {
	user, _ := nkeys.CreateUser()
	us, _ := user.Seed()
	curve, _ := nkeys.CreateCurveKeys()
	cs, _ := curve.Seed()
	acct, _ := nkeys.CreateAccount()
	as, _ := acct.Seed()
	cases := map[string]string{
		"not json":        "hello",
		"empty":           "",
		"version":         `{"version":2,"sign_seed":"` + string(us) + `","curve_seed":"` + string(cs) + `"}`,
		"swapped seeds":   `{"version":1,"sign_seed":"` + string(cs) + `","curve_seed":"` + string(us) + `"}`,
		"account seed":    `{"version":1,"sign_seed":"` + string(as) + `","curve_seed":"` + string(cs) + `"}`,
		"truncated curve": `{"version":1,"sign_seed":"` + string(us) + `","curve_seed":"` + string(cs[:20]) + `"}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, SeedFile), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreate(dir); !errors.Is(err, ErrBadSeed) {
				t.Fatalf("err = %v, want ErrBadSeed", err)
			}
			// The bad file is left for the user to look at, not replaced.
			if data, _ := os.ReadFile(filepath.Join(dir, SeedFile)); string(data) != content {
				t.Fatal("bad seed file was overwritten")
			}
		})
	}
}

// Two processes starting at once on a fresh home must end up with one
// identity, not two.
func TestLoadOrCreateConcurrent(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	ids := make([]ID, 8)
	errs := make([]error, len(ids))
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := LoadOrCreate(dir)
			errs[i] = err
			if err == nil {
				ids[i] = d.ID
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("concurrent first runs made different identities: %s vs %s", ids[i], ids[0])
		}
	}
	final, err := LoadOrCreate(dir)
	if err != nil || final.ID != ids[0] {
		t.Fatalf("identity on disk differs from the one handed out: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("left files behind: %v", names)
	}
}
