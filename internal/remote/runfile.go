package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deskdial/deskdial/internal/config"
)

// RunFile is written in the config dir by the running desktop instance, so
// `deskdial call` in another terminal finds its server.
const RunFile = "run.json"

// RunInfo is the run file's content.
type RunInfo struct {
	URL     string    `json:"url"`               // loopback URL of the embedded server; "" when hosted
	URLs    []string  `json:"urls,omitempty"`    // addresses phones can use, best first
	Hosted  string    `json:"hosted,omitempty"`  // the hosted server the instance uses
	PID     int       `json:"pid"`               // the instance's process
	CertFP  string    `json:"cert_fp,omitempty"` // pinned by local clients too
	Web     []string  `json:"web,omitempty"`     // the phone agent in the browser, "https://IP:PORT", best first
	Started time.Time `json:"started"`
}

func writeRunFile(dir string, ri RunInfo) error {
	b, err := json.MarshalIndent(ri, "", "  ")
	if err != nil {
		return fmt.Errorf("remote: encode run file: %w", err)
	}
	if err := config.WriteFileAtomic(filepath.Join(dir, RunFile), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("remote: write run file: %w", err)
	}
	return nil
}

// readRunFile returns the run file of a live instance, or ErrNoInstance.
func readRunFile(dir string) (RunInfo, error) {
	var ri RunInfo
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if errors.Is(err, os.ErrNotExist) {
		return ri, ErrNoInstance
	}
	if err != nil {
		return ri, fmt.Errorf("remote: read run file: %w", err)
	}
	if err := json.Unmarshal(b, &ri); err != nil || ri.PID <= 0 {
		return ri, fmt.Errorf("%w (unreadable run file)", ErrNoInstance)
	}
	if !processAlive(ri.PID) {
		return ri, fmt.Errorf("%w (stale run file of process %d)", ErrNoInstance, ri.PID)
	}
	return ri, nil
}

// removeRunFile removes the run file if it is still this process's.
func removeRunFile(dir string) {
	path := filepath.Join(dir, RunFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var ri RunInfo
	if json.Unmarshal(b, &ri) == nil && ri.PID == os.Getpid() {
		os.Remove(path)
	}
}
