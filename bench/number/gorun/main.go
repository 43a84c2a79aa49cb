// Command gorun measures number.Find on the benchmark texts: the median
// throughput of several runs, each over the whole file.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"sort"
	"time"

	"github.com/deskdial/deskdial/internal/number"
)

func main() {
	region := flag.String("region", "US", "default region")
	runs := flag.Int("runs", 9, "runs per file (the median is reported)")
	bin := flag.String("exec", "", "also time this deskdial binary's `find` command on each file, process start included")
	flag.Parse()
	for _, f := range flag.Args() {
		if *bin != "" {
			timeCommand(*bin, *region, f, *runs)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		text := string(b)
		found := len(number.Find(text, *region, number.WithScanLimit(0))) // warm up
		var rates []float64
		for i := 0; i < *runs; i++ {
			start := time.Now()
			number.Find(text, *region, number.WithScanLimit(0))
			rates = append(rates, float64(len(text))/1e6/time.Since(start).Seconds())
		}
		sort.Float64s(rates)
		fmt.Printf("go\t%s\t%.2f MB/s\t(min %.2f, max %.2f)\t%d matches\n", f, rates[len(rates)/2], rates[0], rates[len(rates)-1], found)
	}
}

// timeCommand times `deskdial find` end to end: process start, reading the
// file and settings, finding, printing.
func timeCommand(bin, region, f string, runs int) {
	st, err := os.Stat(f)
	if err != nil {
		log.Fatal(err)
	}
	home, err := os.MkdirTemp("", "deskdial-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)
	var rates []float64
	found := 0
	for i := 0; i < runs; i++ {
		start := time.Now()
		out, err := exec.Command(bin, "--home", home, "find", "--region", region, f).Output()
		if err != nil {
			log.Fatalf("%s find: %v", bin, err)
		}
		rates = append(rates, float64(st.Size())/1e6/time.Since(start).Seconds())
		found = 0
		for _, c := range out {
			if c == '\n' {
				found++
			}
		}
	}
	sort.Float64s(rates)
	fmt.Printf("cli\t%s\t%.2f MB/s\t(min %.2f, max %.2f)\t%d unique numbers\n", f, rates[len(rates)/2], rates[0], rates[len(rates)-1], found)
}
