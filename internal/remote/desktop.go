// Package remote is the desktop side of deskdial's dial path. A Service owns
// the embedded NATS server (or the connection to a hosted one), answers
// pairing requests and fans out call states; a Client sends dial requests,
// lists phones with their presence, makes pairing offers and unpairs. The
// CLI and the tray use both.
package remote

import (
	"errors"
	"fmt"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
)

// Sentinel errors.
var (
	// ErrOffline means the phone is not connected.
	ErrOffline = errors.New("remote: phone is offline")
	// ErrTimeout means the phone did not answer in time.
	ErrTimeout = errors.New("remote: no answer in time")
	// ErrRefused means the phone refused; errors.As a *RefusedError for the reason.
	ErrRefused = errors.New("remote: refused by the phone")
	// ErrNoInstance means no deskdial instance runs to connect to.
	ErrNoInstance = errors.New("remote: no running deskdial instance")
	// ErrCredsWithoutServer means a .creds file was given for the
	// embedded server, which does not use it.
	ErrCredsWithoutServer = errors.New("remote: --creds is for a hosted server, and no server is set")
	// ErrRunning means a deskdial instance runs for this home already.
	ErrRunning = errors.New("remote: deskdial already runs for this home")
	// ErrBadReply means the phone's answer could not be trusted or read.
	ErrBadReply = errors.New("remote: bad reply")
	// ErrNotPhone means the named device is not a paired phone.
	ErrNotPhone = errors.New("remote: not a paired phone")
)

// Desktop is this desktop: its identity, paired devices and settings.
type Desktop struct {
	Paths    config.Paths
	Settings config.Settings
	Identity *device.Identity
	Registry *device.Registry
	Name     string // shown to phones
	Server   string // hosted server URL; "" for the embedded server
	Creds    string // .creds file for the hosted server
	CA       string // PEM file of the hosted server's certificate authority, if the system does not trust it
}

// OpenDesktop loads (or on first run makes) the desktop's identity and
// registry. server and creds override the settings (the --server and
// --creds flags).
func OpenDesktop(p config.Paths, st config.Settings, server, creds string) (*Desktop, error) {
	id, err := device.LoadOrCreate(p.Config)
	if err != nil {
		return nil, fmt.Errorf("remote: load identity: %w", err)
	}
	reg, err := device.OpenRegistry(p.Config)
	if err != nil {
		return nil, fmt.Errorf("remote: open registry: %w", err)
	}
	d := &Desktop{Paths: p, Settings: st, Identity: id, Registry: reg, Name: st.Name, Server: st.Server, Creds: st.Creds}
	if server != "" {
		d.Server = server
	}
	if creds != "" {
		d.Creds = creds
	}
	d.Creds = config.ResolveIn(p.Config, d.Creds)
	d.CA = config.ResolveIn(p.Config, st.CA)
	if d.Name == "" {
		d.Name = device.HostName("desktop")
	}
	return d, nil
}

func (d *Desktop) prefix() string {
	if d.Settings.SubjectPrefix != "" {
		return d.Settings.SubjectPrefix
	}
	return config.DefaultSubjectPrefix
}

// access lists who may use the embedded server: this desktop and its phones.
func (d *Desktop) access() bus.Access {
	acc := bus.Access{Prefix: d.prefix(), DesktopID: d.Identity.ID.String(), DesktopKey: d.Identity.SignPub}
	for _, p := range d.Registry.List() {
		if p.Role == device.RolePhone {
			acc.Phones = append(acc.Phones, bus.Phone{ID: p.ID.String(), Nkey: p.SignPub})
		}
	}
	return acc
}

// checkCreds refuses a .creds file without a hosted server: the embedded
// server would be used and the file silently ignored.
func (d *Desktop) checkCreds() error {
	if d.Server == "" && d.Creds != "" {
		return fmt.Errorf("%w: give --server URL too (or set \"server\" in the settings), or leave out --creds to use the embedded server", ErrCredsWithoutServer)
	}
	return nil
}

func (d *Desktop) ctlSubject(verb string) string {
	return d.prefix() + ".ctl." + d.Identity.ID.String() + "." + verb
}
