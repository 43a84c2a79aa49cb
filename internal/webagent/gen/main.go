// Command gen writes web/src/numtable.js, the number table of the web
// agent (see package table).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/deskdial/deskdial/internal/webagent/gen/table"
)

func main() {
	out := flag.String("out", "numtable.js", "file to write")
	flag.Parse()
	b, err := table.Module()
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
