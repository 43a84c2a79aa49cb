package device

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nkeys"
)

// makePeer makes a peer with fresh keys; t may be nil in the crash child.
func makePeer(t testing.TB, name string, role Role) Peer {
	u, err := nkeys.CreateUser()
	if err != nil {
		panic(err)
	}
	c, err := nkeys.CreateCurveKeys()
	if err != nil {
		panic(err)
	}
	up, _ := u.PublicKey()
	cp, _ := c.PublicKey()
	id, err := IDFromKey(up)
	if err != nil {
		panic(err)
	}
	return Peer{ID: id, Name: name, Role: role, SignPub: up, CurvePub: cp, AddedAt: time.Unix(1700000000, 0).UTC()}
}

func TestRegistryPersists(t *testing.T) {
	dir := t.TempDir()
	r, err := OpenRegistry(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.List()) != 0 {
		t.Fatal("fresh registry is not empty")
	}
	pixel := makePeer(t, "Pixel", RolePhone)
	pixel.Caps = []byte(`{"backend":"log"}`)
	pixel.CertFP = strings.Repeat("ab", 32)
	laptop := makePeer(t, "Laptop", RoleDesktop)
	laptop.AddedAt = laptop.AddedAt.Add(time.Hour)
	for _, p := range []Peer{pixel, laptop} {
		if err := r.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	again, err := OpenRegistry(dir)
	if err != nil {
		t.Fatal(err)
	}
	list := again.List()
	if len(list) != 2 || list[0].Name != "Pixel" || list[1].Name != "Laptop" {
		t.Fatalf("after reopening: %+v", list)
	}
	got, ok := again.Get(pixel.ID)
	if !ok || got.SignPub != pixel.SignPub || string(got.Caps) != `{"backend":"log"}` || got.CertFP != pixel.CertFP || !got.AddedAt.Equal(pixel.AddedAt) {
		t.Fatalf("Get = %+v, %v", got, ok)
	}
	if p, ok := again.ByCurveKey(laptop.CurvePub); !ok || p.ID != laptop.ID {
		t.Fatal("ByCurveKey does not find the laptop")
	}
	if _, ok := again.ByCurveKey(makePeer(t, "x", RolePhone).CurvePub); ok {
		t.Fatal("ByCurveKey found a stranger")
	}
	if err := again.Rename(pixel.ID, "Pixel 8"); err != nil {
		t.Fatal(err)
	}
	if err := again.Remove(laptop.ID); err != nil {
		t.Fatal(err)
	}
	third, _ := OpenRegistry(dir)
	if l := third.List(); len(l) != 1 || l[0].Name != "Pixel 8" {
		t.Fatalf("after rename and remove: %+v", l)
	}
	if err := third.Remove(laptop.ID); !errors.Is(err, ErrNoPeer) {
		t.Fatalf("removing twice: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, PeersFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("peers file: %v %v", st.Mode(), err)
	}
}

func TestRegistryRefusesBadPeers(t *testing.T) {
	r, _ := OpenRegistry(t.TempDir())
	good := makePeer(t, "Pixel", RolePhone)
	other := makePeer(t, "Other", RolePhone)
	cases := map[string]func(p *Peer){
		"ID of another key": func(p *Peer) { p.ID = other.ID },
		"bad curve key":     func(p *Peer) { p.CurvePub = p.SignPub },
		"no role":           func(p *Peer) { p.Role = "" },
		"empty name":        func(p *Peer) { p.Name = "" },
		"control in name":   func(p *Peer) { p.Name = "Pi\x07xel" },
		"long name":         func(p *Peer) { p.Name = strings.Repeat("x", MaxNameLen+1) },
		"padded name":       func(p *Peer) { p.Name = " Pixel" },
		"short pairing":     func(p *Peer) { p.Pairing = "0123abcd" },
		"upper-case hex":    func(p *Peer) { p.Pairing = "0123456789ABCDEF" },
		"escape in pairing": func(p *Peer) { p.Pairing = "0123456789abcd\x1b[" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			p := good
			mutate(&p)
			if err := r.Add(p); !errors.Is(err, ErrBadPeer) {
				t.Fatalf("Add = %v, want ErrBadPeer", err)
			}
		})
	}
	if len(r.List()) != 0 {
		t.Fatal("a bad peer was stored")
	}
	if err := r.Rename(good.ID, "x"); !errors.Is(err, ErrNoPeer) {
		t.Fatalf("Rename of unknown: %v", err)
	}
}

func TestRegistryFind(t *testing.T) {
	r, _ := OpenRegistry(t.TempDir())
	pixel := makePeer(t, "Pixel", RolePhone)
	pixel8 := makePeer(t, "Pixel 8", RolePhone)
	fp := makePeer(t, "Fairphone", RolePhone)
	for _, p := range []Peer{pixel, pixel8, fp} {
		if err := r.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		q    string
		want ID
		err  error
	}{
		{"Pixel", pixel.ID, nil},     // exact name wins over prefix of "Pixel 8"
		{"pixel", pixel.ID, nil},     // any case
		{"pixel 8", pixel8.ID, nil},  // exact
		{"fair", fp.ID, nil},         // unique prefix
		{"Pix", ID{}, ErrAmbiguous},  // two prefixes
		{"iPhone", ID{}, ErrNoPeer},  // nobody
		{"", ID{}, ErrNoPeer},        // nothing
		{fp.ID.String(), fp.ID, nil}, // canonical ID
		{strings.ToLower(strings.ReplaceAll(fp.ID.String(), "-", " ")), fp.ID, nil}, // typed ID
		{fp.ID.Short(), fp.ID, nil},                                // ID prefix
		{makePeer(t, "x", RolePhone).ID.String(), ID{}, ErrNoPeer}, // unknown ID
	}
	for _, c := range cases {
		got, err := r.Find(c.q)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("Find(%q) = %v, want %v", c.q, err, c.err)
			}
			continue
		}
		if err != nil || got.ID != c.want {
			t.Errorf("Find(%q) = %s %v, want %s", c.q, got.Name, err, c.want.Short())
		}
	}
	_, err := r.Find("Pix")
	if !strings.Contains(err.Error(), "Pixel 8") || !strings.Contains(err.Error(), pixel.ID.Short()) {
		t.Errorf("ambiguity message does not list the candidates: %v", err)
	}
}

// Two processes (tray and CLI) sharing one home: changes by one are seen by
// the other after Reload and are not lost when the other changes something.
func TestRegistryTwoWriters(t *testing.T) {
	dir := t.TempDir()
	a, _ := OpenRegistry(dir)
	b, _ := OpenRegistry(dir)
	p1, p2 := makePeer(t, "One", RolePhone), makePeer(t, "Two", RolePhone)
	if err := a.Add(p1); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Get(p1.ID); ok {
		t.Fatal("b saw the change before Reload")
	}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Get(p1.ID); !ok {
		t.Fatal("Reload did not pick up the other writer's peer")
	}
	if err := a.Add(p2); err != nil {
		t.Fatal(err)
	}
	if err := b.Remove(p1.ID); err != nil { // b has not reloaded since p2
		t.Fatal(err)
	}
	c, _ := OpenRegistry(dir)
	if l := c.List(); len(l) != 1 || l[0].ID != p2.ID {
		t.Fatalf("a write from a stale registry lost a peer: %+v", l)
	}
}

func TestRegistryConcurrentReload(t *testing.T) {
	dir := t.TempDir()
	w, _ := OpenRegistry(dir)
	r, _ := OpenRegistry(dir)
	peers := make([]Peer, 20)
	for i := range peers {
		peers[i] = makePeer(t, fmt.Sprintf("Phone %d", i), RolePhone)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, 8)
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := r.Reload(); err != nil {
					errc <- err
					return
				}
				for _, p := range r.List() {
					if p.Validate() != nil {
						errc <- fmt.Errorf("reader saw a broken peer %+v", p)
						return
					}
				}
				_, _ = r.Find("Phone 1")
			}
		}()
	}
	for i := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Add(peers[i]); err != nil {
				errc <- err
			}
		}()
	}
	// Wait for the writers by polling the file through a third registry.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := OpenRegistry(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.List()) == len(peers) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d peers stored", len(c.List()), len(peers))
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if err := r.Reload(); err != nil || len(r.List()) != len(peers) {
		t.Fatalf("final reload: %v, %d peers", err, len(r.List()))
	}
}

const crashEnv = "DESKDIAL_TEST_REGISTRY_CRASH_DIR"

// TestMain turns the test binary into the crash child when crashEnv is
// set: it adds peers as fast as it can until TestRegistrySurvivesCrash
// kills it.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

func crashChild(dir string) {
	r, err := OpenRegistry(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		p := makePeer(nil, "Phone "+strconv.Itoa(i), RolePhone)
		p.Caps = []byte(`{"pad":"` + strings.Repeat("x", 4000) + `"}`) // make each write take a while
		if err := r.Add(p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// A process killed while it writes the registry leaves a registry that
// opens, with every peer complete: the write is temp file + fsync + rename.
func TestRegistrySurvivesCrash(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	last := 0
	for round := 0; round < 5; round++ {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it write a few more peers, then kill it mid-stream.
		want := last + 3 + round
		deadline := time.Now().Add(60 * time.Second)
		for {
			n, _ := countPeers(dir)
			if n >= want {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child stored only %d peers", n)
			}
			time.Sleep(time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		r, err := OpenRegistry(dir)
		if err != nil {
			t.Fatalf("round %d: registry does not open after a crash: %v", round, err)
		}
		n := len(r.List())
		if n < want {
			t.Fatalf("round %d: %d peers, had seen %d before the kill", round, n, want)
		}
		for _, p := range r.List() {
			if err := p.Validate(); err != nil || len(p.Caps) < 4000 {
				t.Fatalf("round %d: half-written peer %s: %v", round, p.Name, err)
			}
		}
		last = n
	}
}

func countPeers(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, PeersFile))
	if err != nil {
		return 0, err
	}
	return strings.Count(string(data), `"sign_pub"`), nil
}

func TestBadRegistryFileIsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, PeersFile)
	if err := os.WriteFile(path, []byte(`{"version":1,"peers":[{"id":"x"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRegistry(dir); !errors.Is(err, ErrBadRegistry) {
		t.Fatalf("OpenRegistry = %v, want ErrBadRegistry", err)
	}
	if data, _ := os.ReadFile(path); !strings.HasSuffix(string(data), `"x"`) {
		t.Fatal("bad registry file was changed")
	}
}
