package phoneapp

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/config"
)

func deps(t *testing.T) Deps {
	home := t.TempDir()
	return Deps{Paths: config.Paths{Config: home, Data: home}, Backend: "log:" + filepath.Join(home, "dialled.log"),
		Name: "Pixel", Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
}

// What the user got wrong is a usage error with their words in it; the
// agent never starts.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Deps)
		want string
	}{
		{"unknown backend", func(d *Deps) { d.Backend = "carrier-pigeon" }, "carrier-pigeon"},
		{"bad name", func(d *Deps) { d.Name = "Pixel\x1b[2J" }, "--name"},
		{"bad offer", func(d *Deps) { d.Offer = "deskdial://pair?garbage" }, "this pairing offer cannot be used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := deps(t)
			tc.set(&d)
			err := Run(context.Background(), d)
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want a usage error about %q", err, tc.want)
			}
		})
	}
}

func TestNotPairedSaysPairFirst(t *testing.T) {
	d := deps(t)
	err := Run(context.Background(), d)
	if !errors.Is(err, agent.ErrNotPaired) || !strings.Contains(err.Error(), "--pair") {
		t.Fatalf("Run = %v, want not paired, with how to pair", err)
	}
	if out := d.Out.(*bytes.Buffer).String(); !strings.Contains(out, "deskdial phone Pixel") {
		t.Errorf("no start line: %q", out)
	}
}

func TestEntryLine(t *testing.T) {
	if got := entryLine(agent.Entry{Kind: "dial", FromName: "Laptop", Decision: "accepted", Number: "+4930123456"}); got != "dial from Laptop: accepted +4930123456" {
		t.Errorf("accepted: %q", got)
	}
	if got := entryLine(agent.Entry{Kind: "dial", Decision: "refused", Reason: "expired"}); got != "dial from an unknown desktop: refused (expired)" {
		t.Errorf("refused: %q", got)
	}
}
