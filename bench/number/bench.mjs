// Throughput of libphonenumber-js findNumbers (VALID leniency, max
// metadata) on the benchmark texts: the median of several runs over each
// whole file, printed like the Go runner's lines.
import { readFileSync } from 'node:fs'
import { findNumbers } from 'libphonenumber-js/max'

const args = process.argv.slice(2)
let runs = 9
let region = 'US'
const files = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '-runs') runs = Number(args[++i])
  else if (args[i] === '-region') region = args[++i]
  else files.push(args[i])
}
for (const f of files) {
  const text = readFileSync(f, 'utf8')
  const bytes = Buffer.byteLength(text, 'utf8')
  const found = findNumbers(text, { defaultCountry: region, leniency: 'VALID', v2: true }).length // warm up
  const rates = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    findNumbers(text, { defaultCountry: region, leniency: 'VALID', v2: true })
    const secs = Number(process.hrtime.bigint() - start) / 1e9
    rates.push(bytes / 1e6 / secs)
  }
  rates.sort((a, b) => a - b)
  const med = rates[Math.floor(rates.length / 2)]
  console.log(`js\t${f}\t${med.toFixed(2)} MB/s\t(min ${rates[0].toFixed(2)}, max ${rates[rates.length - 1].toFixed(2)})\t${found} matches`)
}
