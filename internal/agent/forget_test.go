package agent

import (
	"context"
	"os"
	"testing"

	"github.com/deskdial/deskdial/internal/device"
)

// TestForgetDesktopWhenItCannotBeTold: a desktop that cannot be told is
// still forgotten, with its relay credentials, and the notice says why it
// was not told.
func TestForgetDesktopWhenItCannotBeTold(t *testing.T) {
	dir := t.TempDir()
	phone, err := device.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := device.OpenRegistry(dir)
	if err != nil {
		t.Fatal(err)
	}
	deskID, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	desk := device.Peer{ID: deskID.ID, Name: "Laptop", Role: device.RoleDesktop, SignPub: deskID.SignPub,
		CurvePub: deskID.CurvePub, Server: "nats://127.0.0.1:1"}
	if err := reg.Add(desk); err != nil {
		t.Fatal(err)
	}
	creds := RelayCredsPath(dir, desk.ID)
	writeCreds(t, creds)
	notice, err := ForgetDesktop(context.Background(), phone, reg, dir, desk, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if notice == nil {
		t.Error("a desktop nobody could reach was said to be told")
	}
	if _, ok := reg.Get(desk.ID); ok {
		t.Error("the desktop is still paired")
	}
	if _, err := os.Stat(creds); !os.IsNotExist(err) {
		t.Errorf("its relay credentials are still there: %v", err)
	}
}
