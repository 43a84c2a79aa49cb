// Command gen writes web/src/numtable.json, the number table of the web
// agent (see package table).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/deskdial/deskdial/internal/webagent/gen/table"
)

func main() {
	out := flag.String("out", "numtable.json", "file to write")
	flag.Parse()
	b, err := table.JSON()
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
