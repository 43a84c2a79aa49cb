// Command gorun measures number.Find on the benchmark texts: the median
// throughput of several runs, each over the whole file.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"time"

	"github.com/deskdial/deskdial/internal/number"
)

func main() {
	region := flag.String("region", "US", "default region")
	runs := flag.Int("runs", 9, "runs per file (the median is reported)")
	flag.Parse()
	for _, f := range flag.Args() {
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
