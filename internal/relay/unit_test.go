package relay

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// TestRelayUnitVerifies has systemd check the shipped relay unit.
func TestRelayUnitVerifies(t *testing.T) {
	analyze := testsupport.NeedTool(t, "systemd-analyze")
	unit := filepath.Join(shipped(t), "deskdial-relay.service")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, analyze, "verify", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
