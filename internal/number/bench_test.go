package number

import (
	"os"
	"strings"
	"testing"
)

// benchText is clipboard-like text: every snippet of the labelled corpus,
// in its own region's formats read as US, repeated to about 64 KiB.
func benchText(tb testing.TB) string {
	var b strings.Builder
	for _, sn := range loadCorpus(tb, "corpus") {
		b.WriteString(sn.text)
		b.WriteString("\n\n")
	}
	one := b.String()
	return strings.Repeat(one, max(1, DefaultScanLimit/len(one)))
}

// BenchmarkFind measures Find on the corpus text; set DESKDIAL_BENCH_FILE
// to run it on another file (the benchmark script's generated texts).
func BenchmarkFind(b *testing.B) {
	text := ""
	if f := os.Getenv("DESKDIAL_BENCH_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		text = string(data)
	} else {
		text = benchText(b)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Find(text, "US", WithScanLimit(0))
	}
}

// BenchmarkFindClipboard measures one clipboard-sized call, as the tray's
// clipboard watcher makes on every copy.
func BenchmarkFindClipboard(b *testing.B) {
	text := "Kind regards,\nEleanor Hughes\nT: +44 (0)20 7946 0958 | M: +44 (0)7400 123456\n10 Fleet Street, London EC4Y 1AA, 17.05.2024"
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		FindUnique(text, "GB")
	}
}
