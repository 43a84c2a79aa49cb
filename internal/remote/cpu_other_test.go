//go:build !linux

package remote

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }

func procCPUTime(int) (time.Duration, bool) { return 0, false }
