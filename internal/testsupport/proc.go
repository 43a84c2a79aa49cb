package testsupport

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// What the footprint measurements read of a running process from Linux's
// /proc: the tray's (app) and the tray's under Wine (internal/wintest).

// ProcStatus is the number that starts the field key of /proc/PID/status
// (VmRSS, RssAnon and RssFile in kB, Threads, ...); 0 when the process or
// the field is not there.
func ProcStatus(pid int, key string) int64 {
	return statusField(fmt.Sprintf("/proc/%d/status", pid), key)
}

func statusField(path, key string) int64 {
	b, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v + " 0")[0], 10, 64)
			return n
		}
	}
	return 0
}

// ProcSwitches sums the context switches of every thread of the process:
// each is a wake-up.
func ProcSwitches(pid int) int64 {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	var n int64
	for _, p := range tasks {
		n += statusField(p, "voluntary_ctxt_switches") + statusField(p, "nonvoluntary_ctxt_switches")
	}
	return n
}

// ProcCPUTicks is the CPU time of the process (all threads, user and
// system) in USER_HZ ticks.
func ProcCPUTicks(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}
