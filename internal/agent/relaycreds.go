package agent

import (
	"fmt"
	"os"
	"path/filepath"

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
