package quiet

import (
	"runtime"
	"testing"
)

func TestOneProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(2)
	t.Setenv("GOMAXPROCS", "2") // the user's choice stands
	OneProcessor()
	if got := runtime.GOMAXPROCS(0); got != 2 {
		t.Fatalf("with GOMAXPROCS=2 set: %d processors", got)
	}
	t.Setenv("GOMAXPROCS", "")
	OneProcessor()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("without GOMAXPROCS: %d processors, want 1", got)
	}
}
