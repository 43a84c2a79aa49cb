package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/relay"
)

// adminCommands are the relay operator's commands, under `deskdial admin`.
func adminCommands() []command {
	return []command{
		{"init", "init --name NAME --url URL[,URL...]      make the operator and the server configuration (accounts.conf)", adminInit},
		{"add-user", "add-user NAME [--conns N] [--disk BYTES] [--replicas R]   make a user's account and its calls bucket", adminAddUser},
		{"add-desktop", "add-desktop USER DESKTOP_ID [--label LABEL] [--out FILE]   issue a desktop's .creds (it then issues its phones' own)", adminAddDesktop},
		{"list", "list                                     users and their devices", adminList},
		{"revoke", "revoke USER DEVICE                       revoke a device on the servers at once: a desktop by label, ID or login key; a phone by login key, or by name or ID where it is paired", adminRevoke},
		{"push", "push [--replicas R]                      send every account to the servers again, make missing buckets", adminPush},
		{"id", "id                                       print this computer's deskdial ID (for add-desktop)", adminID},
	}
}

// adminNote ends `deskdial admin --help`.
const adminNote = "--server (or NATS_URL) overrides the relay URLs given to init for pushes; --ca trusts a relay's private certificate authority."

// cmdAdmin runs the relay operator's commands.
func cmdAdmin(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "admin")
	dir := fs.String("dir", os.Getenv("DESKDIAL_RELAY_DIR"), "the operator store `DIR` (default: $DESKDIAL_RELAY_DIR, then relay-admin in deskdial's config directory)")
	rest, err := parseGroupFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 && !isHelp(rest[0]) && *dir == "" {
		p, err := e.paths()
		if err != nil {
			return err
		}
		*dir = filepath.Join(p.Config, "relay-admin")
	}
	e.adminDir = *dir
	return runGroup(ctx, e, fs, "admin", rest)
}

type admin struct {
	e   *env
	dir string
}

// adminOf is the operator store cmdAdmin chose.
func adminOf(e *env) *admin { return &admin{e: e, dir: e.adminDir} }

func (a *admin) store() (*relay.Store, error) {
	st, err := relay.Open(a.dir)
	if err == nil && a.e.ca != "" {
		st.TrustCA(a.e.ca)
	}
	return st, err
}

// servers: --server wins over the URLs stored at init.
func (a *admin) servers(st *relay.Store) []string {
	if a.e.server != "" {
		return strings.Split(a.e.server, ",")
	}
	return st.Servers()
}

func adminInit(_ context.Context, e *env, args []string) error {
	a := adminOf(e)
	fs := newFlags(e, "admin init")
	name := fs.String("name", "deskdial", "the operator's `NAME`")
	urls := fs.String("url", "", "the relay's client `URL`s, comma-separated (tls://relay.example.org:4222)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("admin init takes no arguments")
	}
	if *urls == "" {
		return usageErr("admin init needs --url: where phones and desktops reach the relay")
	}
	st, err := relay.Init(a.dir, *name, strings.Split(*urls, ","))
	if err != nil {
		return err
	}
	fmt.Fprintf(a.e.stdout, "Operator %s made in %s.\n", *name, st.Dir())
	fmt.Fprintf(a.e.stdout, "Copy %s next to relay.conf on every node, then start nats-server.\n",
		filepath.Join(st.Dir(), relay.AccountsConf))
	fmt.Fprintf(a.e.stdout, "Keep %s private: it holds every key of the relay.\n", filepath.Join(st.Dir(), relay.StoreFile))
	return nil
}

func adminAddUser(ctx context.Context, e *env, args []string) error {
	a := adminOf(e)
	fs := newFlags(e, "admin add-user")
	conns := fs.Int64("conns", 0, "`N` connections at once (default 20)")
	disk := fs.Int64("disk", 0, "JetStream `BYTES` (default 16 MiB)")
	replicas := fs.Int("replicas", 1, "`R` replicas of the calls bucket (3 in a three-node cluster)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: deskdial admin add-user NAME")
	}
	st, err := a.store()
	if err != nil {
		return err
	}
	acc, err := st.AddUser(pos[0], relay.Limits{Conns: *conns, JSDisk: *disk})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.e.stdout, "User %s has account %s.\n", acc.Name, acc.Pub())
	urls := a.servers(st)
	if err := st.Push(ctx, urls, acc.JWT); err != nil {
		if errors.Is(err, bus.ErrUntrustedCert) {
			return fmt.Errorf("account made in %s, but not pushed: %w", st.Dir(), err)
		}
		fmt.Fprintf(a.e.stdout, "The relay is not reachable (%v).\nOnce it runs, `deskdial admin push` sends the account and makes its bucket.\n", err)
		return nil
	}
	if err := st.CreateBucket(ctx, urls, acc.Name, *replicas); err != nil {
		return fmt.Errorf("account pushed, but: %w", err)
	}
	fmt.Fprintf(a.e.stdout, "Pushed to %s; calls bucket made.\n", strings.Join(urls, ", "))
	return nil
}

func adminAddDesktop(_ context.Context, e *env, args []string) error {
	a := adminOf(e)
	fs := newFlags(e, "admin add-desktop")
	label := fs.String("label", "", "a `LABEL` for the desktop in admin list (default: its short ID)")
	out := fs.String("out", "", "write the .creds to `FILE` (default: USER-LABEL.creds)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("usage: deskdial admin add-desktop USER DESKTOP_ID (run `deskdial admin id` on the desktop)")
	}
	id, err := device.ParseID(pos[1])
	if err != nil {
		return usageErr("desktop ID: %v", err)
	}
	st, err := a.store()
	if err != nil {
		return err
	}
	if *label == "" {
		*label = id.Short()
	}
	if *out == "" {
		*out = pos[0] + "-" + *label + ".creds"
	}
	// Checked first, so a desktop is not added to the store without its
	// file.
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("write %s: %w (choose another --out)", *out, os.ErrExist)
	}
	if err := writeDesktopCreds(st, pos[0], id, *label, *out); err != nil {
		return err
	}
	fmt.Fprintf(a.e.stdout, "Wrote %s. On the desktop: deskdial --server %s --creds %s serve\n",
		*out, strings.Join(a.servers(st), ","), filepath.Base(*out))
	fmt.Fprintf(a.e.stdout, "It holds the keys to issue this user's phones' credentials while pairing: hand it over privately.\n")
	return nil
}

func adminList(_ context.Context, e *env, args []string) error {
	if _, err := parseFlags(newFlags(e, "admin list"), args); err != nil {
		return err
	}
	a := adminOf(e)
	st, err := a.store()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(a.e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USER\tROLE\tLABEL\tDEVICE\tISSUED\tSTATE")
	for _, u := range st.Users() {
		if len(u.Devices) == 0 {
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\tno devices\n", u.Name)
		}
		for _, d := range u.Devices {
			state := "active"
			if !d.Revoked.IsZero() {
				state = "revoked " + d.Revoked.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, d.Role, d.Label, d.Name, d.Issued.Local().Format("2006-01-02"), state)
		}
	}
	return w.Flush()
}

func adminRevoke(ctx context.Context, e *env, args []string) error {
	a := adminOf(e)
	pos, err := parseFlags(newFlags(e, "admin revoke"), args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("usage: deskdial admin revoke USER DEVICE (a device ID, label or login key U..., or a phone paired here by name)")
	}
	st, err := a.store()
	if err != nil {
		return err
	}
	tok, hit, err := st.RevokeDevice(pos[0], pos[1], a.pairedPhones())
	if err != nil {
		return err
	}
	for _, d := range hit {
		fmt.Fprintf(a.e.stdout, "Revoked %s.\n", deviceText(d.Role, d.Label, d.Name))
	}
	if err := st.Push(ctx, a.servers(st), tok); err != nil {
		return fmt.Errorf("revoked in %s, but the relay did not get it yet (run `deskdial admin push`): %w", st.Dir(), err)
	}
	fmt.Fprintln(a.e.stdout, "The relay closed its connections; it cannot log in again.")
	return nil
}

// writeDesktopCreds issues the desktop's credentials into file out.
func writeDesktopCreds(st *relay.Store, user string, id device.ID, label, out string) error {
	creds, err := st.AddDesktop(user, id, label)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, creds, 0o600); err != nil {
		return fmt.Errorf("write creds: %w", err)
	}
	return nil
}

// deviceText names a device for a message: "desktop laptop (DK3W…)",
// or without a label "phone UB3J…".
func deviceText(role, label, name string) string {
	if label == "" {
		return role + " " + name
	}
	return role + " " + label + " (" + name + ")"
}

// pairedPhones are the devices paired with this computer, where a phone
// to revoke may be found by its name or deskdial ID; nil if none can be
// read.
func (a *admin) pairedPhones() *device.Registry {
	p, err := a.e.paths()
	if err != nil {
		return nil
	}
	reg, err := device.OpenRegistry(p.Config)
	if err != nil {
		return nil
	}
	return reg
}

func adminPush(ctx context.Context, e *env, args []string) error {
	a := adminOf(e)
	fs := newFlags(e, "admin push")
	replicas := fs.Int("replicas", 1, "`R` replicas of buckets made now (3 in a three-node cluster)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := a.store()
	if err != nil {
		return err
	}
	n, err := st.PushAccounts(ctx, a.servers(st), *replicas)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.e.stdout, "Pushed %d %s.\n", n, plural(n, "account", "accounts"))
	return nil
}

func adminID(_ context.Context, e *env, args []string) error {
	if _, err := parseFlags(newFlags(e, "admin id"), args); err != nil {
		return err
	}
	p, err := e.paths()
	if err != nil {
		return err
	}
	id, err := device.LoadOrCreate(p.Config)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, id.ID.String())
	return nil
}
