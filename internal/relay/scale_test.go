package relay_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/relay"
	"github.com/deskdial/deskdial/internal/relay/loadtest"
)

// TestScaleSmall is the relay benchmark at a size for every test run: 50
// phone agents on their own connections, 200 dials a second for a second,
// through the shipped configuration. Nothing may be lost or dialled twice.
// The full run (10,000 phones) is bench/relay.
func TestScaleSmall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := t.TempDir()
	st, err := relay.Init(filepath.Join(base, "admin"), "deskdial-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddUser("team", relay.Limits{Conns: -1, Subs: -1}); err != nil {
		t.Fatal(err)
	}
	desk, deskDir := relay.Ident(t)
	dc, err := st.AddDesktop("team", desk.ID, "desk")
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(base, "relay")
	relay.Layout(t, st, work)
	srv := relay.StartServer(t, relay.LoadConf(t, "relay.conf", work))
	cfg := loadtest.Config{URL: relay.ClientURL(srv), DesktopCreds: relay.WriteCreds(t, deskDir, dc), Desktop: desk,
		Phones: 50, Rate: 200, Duration: time.Second, WorkDir: filepath.Join(base, "load")}

	phones, err := loadtest.StartAgents(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := loadtest.Drive(ctx, cfg, phones)
	phones.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deskdial: %s", r)
	if r.Accepted != r.Sent || r.Lost != 0 || r.Duplicated != 0 {
		t.Errorf("deskdial dials: %s; want every one accepted once", r)
	}

	cfg.WorkDir = filepath.Join(base, "bare")
	bare, err := loadtest.StartBare(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := loadtest.DriveBare(ctx, cfg, bare)
	bare.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bare: %s", rb)
	if rb.Accepted != rb.Sent {
		t.Errorf("bare request/reply: %s; want every one answered", rb)
	}
}
