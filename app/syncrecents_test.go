package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/bus/jskv"
	"github.com/deskdial/deskdial/internal/history"
)

// Two desktops of one user on one hosted server show the same recents: a
// call made on the first reaches the second's history through the sealed
// KV bucket, and the server's stored bytes hold no phone number.
func TestRecentsSyncBetweenDesktops(t *testing.T) {
	store := t.TempDir()
	url := startNATS(t, "-js", "-sd", store)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The server's owner makes the bucket once (docs/deploy.md).
	conn, err := bus.Connect(ctx, bus.URLs(url), bus.ConnectTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := jskv.CreateConn(ctx, conn, jskv.DefaultBucket); err != nil {
		t.Fatal(err)
	}

	deskA, deskB, phone := dpHome(t, ""), dpHome(t, ""), dpHome(t, "")
	logFile := filepath.Join(phone, "dialled.log")
	pr := dpStart(t, deskA, "--server", url, "pair")
	pr.waitFor("deskdial://pair?")
	uri := strings.SplitN(pr.out.String(), "\n", 2)[0]
	ph := dpStart(t, phone, "phone", "--pair", uri, "--name", "Pixel", "--backend", "log:"+logFile)
	pr.waitFor("Paired with Pixel")
	ph.waitFor("Connected to")

	key := strings.TrimSpace(dpMustRun(t, deskA, "sync-key"))
	if code, _, errOut := dpRun(t, deskB, "sync-key", "set", "not-a-key"); code != exitUsage || !strings.Contains(errOut, "not a sync key") {
		t.Fatalf("a bad key: exit %d %q", code, errOut)
	}
	dpMustRun(t, deskB, "sync-key", "set", key)
	srvB := dpStart(t, deskB, "--server", url, "serve")
	srvB.waitFor("syncing recents")

	out := dpMustRun(t, deskA, "--server", url, "call", "+49 30 1234567")
	if !strings.Contains(out, "Sent to Pixel") {
		t.Fatalf("call: %q", out)
	}
	hb, err := history.Open(filepath.Join(deskB, historyFile))
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		rec, err := hb.Recent(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) == 1 && rec[0].Number == "+49301234567" && rec[0].PhoneName == "Pixel" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second desktop's recents: %+v\nserve: %s %s", rec, srvB.out, srvB.err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// What the relay stored is sealed.
	err = filepath.Walk(store, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, clear := range []string{"49301234567", "Pixel"} {
			if strings.Contains(string(b), clear) {
				t.Errorf("%s holds %q in clear", filepath.Base(p), clear)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
