package main

import (
	"context"
	"fmt"

	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/remote"
)

// cmdSyncKey shows this desktop's history sync key, or sets it to the one
// shown on the user's other desktop.
func cmdSyncKey(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "sync-key")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	p, err := e.paths()
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		key, _, err := remote.LoadSyncKey(p.Config, true)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, key.String())
		fmt.Fprintln(e.stderr, "This key seals the recents (and contacts, if enabled) that your desktops sync through a hosted\n"+
			"server. On your other desktop run: deskdial sync-key set <the key above>. Keep it secret.")
		return nil
	case len(pos) == 2 && pos[0] == "set":
		key, err := history.ParseSyncKey(pos[1])
		if err != nil {
			return usageErr("this is not a sync key: %v", err)
		}
		if err := remote.SaveSyncKey(p.Config, key); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Sync key set: this desktop now shares recents with the desktops that hold the same key.")
		return nil
	}
	return usageErr("usage: deskdial sync-key [set KEY]")
}
