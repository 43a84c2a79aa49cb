#!/bin/sh
# Number-finding benchmark: deskdial's number.Find (and `deskdial find`)
# against libphonenumber-js findNumbers at VALID leniency with max metadata,
# on the same generated ~1 MB texts: mixed prose with clipboard-like
# snippets, and dense snippets. Then both scored on the labelled corpus.
#
#   bench/number/run.sh            RUNS=9 REGION=US by default
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$here/work"
runs=${RUNS:-9}
region=${REGION:-US}
mkdir -p "$work"

(cd "$here" && npm install --no-audit --no-fund --silent)
cd "$root"
go run ./bench/number/gen -out "$work"
go build -o "$work/gorun" ./bench/number/gorun
go build -o "$work/deskdial" ./app

echo "== throughput (median of $runs runs, region $region)"
node --version | sed 's/^/node /'
"$work/gorun" -runs "$runs" -region "$region" -exec "$work/deskdial" "$work/mixed.txt" "$work/dense.txt" | tee "$work/go.out"
node "$here/bench.mjs" -runs "$runs" -region "$region" "$work/mixed.txt" "$work/dense.txt" | tee "$work/js.out"
for t in mixed dense; do
	g=$(awk -v f="$work/$t.txt" '$1=="go" && $2==f {print $3}' "$work/go.out")
	j=$(awk -v f="$work/$t.txt" '$1=="js" && $2==f {print $3}' "$work/js.out")
	awk -v t="$t" -v g="$g" -v j="$j" 'BEGIN {printf "ratio %s: number.Find / libphonenumber-js = %.1fx\n", t, g / j}'
done

echo "== labelled corpus"
go test ./internal/number -run '^TestCorpus$' -count=1 -v | grep 'corpus:' | sed 's/^ *corpus_test.go:[0-9]*: /go /'
node "$here/corpus.mjs" internal/number/testdata/corpus
for set in Heldout:heldout Wild:wild Fresh:fresh; do
	go test ./internal/number -run "^Test${set%%:*}\$" -count=1 -v | grep 'corpus:' | sed "s/^ *corpus_test.go:[0-9]*: /go ${set#*:} /"
	node "$here/corpus.mjs" "internal/number/testdata/${set#*:}"
done
