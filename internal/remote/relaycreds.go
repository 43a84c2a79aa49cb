package remote

import (
	"fmt"
	"strings"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/relay/mint"
)

// minter returns the signing keys a desktop enrolled on a hosted relay
// got with its .creds (`deskdial admin add-desktop`), or nil: on the
// embedded server, or with plain .creds, phones bring their own.
func (d *Desktop) minter() *mint.Minter {
	if d.Server == "" || d.Creds == "" {
		return nil
	}
	m, err := mint.FromFile(d.Creds)
	if err != nil {
		return nil
	}
	return m
}

// hostedServers splits a comma-separated list of relay URLs (a cluster).
func hostedServers(server string) []string {
	var out []string
	for _, s := range strings.Split(server, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// withLogin adds the relay pairing login to an offer when this desktop can
// issue one, so a phone without credentials can reach it.
func (d *Desktop) withLogin(o pairing.Offer) (pairing.Offer, error) {
	m := d.minter()
	if m == nil || o.CertFP != "" {
		return o, nil
	}
	tok, err := m.Pairing(d.Identity.ID, o.Secret, o.Expires)
	if err != nil {
		return o, fmt.Errorf("make offer: %w", err)
	}
	o.Login = tok
	return o, nil
}

// phoneCreds gives an accept the phone's relay credentials, issued for
// the phone's own key, when this desktop can issue them.
func (d *Desktop) phoneCreds(o pairing.Offer, acc pairing.Accept, j pairing.Join) (pairing.Accept, error) {
	m := d.minter()
	if m == nil {
		return acc, nil
	}
	peerID, err := device.IDFromKey(j.SignPub)
	if err != nil {
		return acc, err
	}
	tok, err := m.Phone(peerID, j.SignPub)
	if err != nil {
		return acc, fmt.Errorf("issue the phone's relay credentials: %w", err)
	}
	return acc.WithCreds(o, tok), nil
}
