// Package quiet sets up deskdial's long-lived processes (the tray, `deskdial
// serve`, the phone agent), which wait nearly all the time, to wake the
// computer as seldom as they can.
package quiet

import (
	"os"
	"runtime"
)

// OneProcessor runs the process's Go code on one processor, unless the
// user chose otherwise with GOMAXPROCS.
//
// An idle tray wakes only for timers (two a second inside the embedded
// nats-server, which no option stops), but with a processor for each core
// every firing also wakes other threads of the Go runtime to look for work:
// 17 context switches a second on two cores, 5 with one processor, at half
// the CPU time (docs/benchmarks.md, "One processor for the idle tray").
// A desktop's own server and agent carry a few phones' dials, which one
// processor serves with room to spare.
func OneProcessor() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
