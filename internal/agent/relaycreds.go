package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/relay/mint"
)

// RelayCredsPath is where a phone keeps the relay credentials a desktop
// issued it while pairing: one file per desktop in dir.
func RelayCredsPath(dir string, desktop device.ID) string {
	return filepath.Join(dir, "relay-"+desktop.String()+".creds")
}

// relayCreds is the credentials file for a desktop's relay, or "".
func relayCreds(dir string, desktop device.ID) string {
	if dir == "" {
		return ""
	}
	p := RelayCredsPath(dir, desktop)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// pairingLogin writes the offer's relay login, with the key derived from
// the offer's secret, to a private file for the pairing connection; done
// removes it.
func pairingLogin(o pairing.Offer, dir string) (path string, done func(), err error) {
	b, err := mint.PairingCreds(o.Login, o.Secret)
	if err != nil {
		return "", nil, fmt.Errorf("pair: the offer's relay login: %w", err)
	}
	f, err := os.CreateTemp(dir, "pairing-*.creds")
	if err != nil {
		return "", nil, fmt.Errorf("pair: keep the relay login: %w", err)
	}
	path = f.Name()
	done = func() { os.Remove(path) }
	if _, err := f.Write(b); err != nil {
		f.Close()
		done()
		return "", nil, fmt.Errorf("pair: keep the relay login: %w", err)
	}
	if err := f.Close(); err != nil {
		done()
		return "", nil, fmt.Errorf("pair: keep the relay login: %w", err)
	}
	return path, done, nil
}

// keepRelayCreds stores the phone's credentials from the desktop's answer,
// with the phone's own seed (it never left the phone).
func keepRelayCreds(id *device.Identity, desktop device.ID, tok, dir string) error {
	if dir == "" {
		return fmt.Errorf("pair: the desktop issued relay credentials, but there is no directory to keep them in")
	}
	if err := mint.CheckPhoneJWT(tok, id.ID, id.SignPub); err != nil {
		return fmt.Errorf("pair: relay credentials from the desktop: %w", err)
	}
	seed, err := id.SignKP().Seed()
	if err != nil {
		return fmt.Errorf("pair: %w", err)
	}
	b, err := mint.Creds(tok, seed)
	if err != nil {
		return fmt.Errorf("pair: relay credentials from the desktop: %w", err)
	}
	if err := config.WriteFileAtomic(RelayCredsPath(dir, desktop), b, 0o600); err != nil {
		return fmt.Errorf("pair: keep relay credentials: %w", err)
	}
	return nil
}

// ForgetDesktop is this phone forgetting desk, a desktop it paired with:
// it tells the desktop first (NotifyUnpaired, within a few seconds), so
// the desktop forgets this phone and closes its login too, then removes
// desk from reg and the relay credentials desk issued from dir. creds is
// the hosted server's login to tell it through ("": the one desk issued),
// ca the authority of its certificate ("": the system's).
// notice is why the desktop could not be told (it keeps listing this
// phone, offline, until it is unpaired there too); err is why desk could
// not be forgotten.
func ForgetDesktop(ctx context.Context, id *device.Identity, reg *device.Registry, dir string, desk device.Peer, creds, ca, prefix string) (notice, err error) {
	nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	issued := RelayCredsPath(dir, desk.ID)
	if _, err := os.Stat(issued); err == nil && creds == "" {
		creds = issued
	}
	notice = NotifyUnpaired(nctx, id, desk, creds, ca, prefix)
	cancel()
	if err := reg.Remove(desk.ID); err != nil {
		return notice, err
	}
	_ = os.Remove(issued) // useless without the pairing; none there is fine
	return notice, nil
}
