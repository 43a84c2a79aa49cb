// Scores libphonenumber-js findNumbers (VALID, max metadata) on deskdial's
// labelled corpus exactly as TestCorpus scores number.FindUnique: per
// snippet, the set of E.164 numbers found against the labels.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { findNumbers } from 'libphonenumber-js/max'

const dir = process.argv[2]
const verbose = process.argv.includes('-v')
const snippets = []
for (const name of readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) {
  let cur = null
  const lines = readFileSync(join(dir, name), 'utf8').split('\n')
  lines.forEach((line, i) => {
    if (line.startsWith('=== ')) {
      if (cur) snippets.push(cur)
      const [head, labels] = line.slice(4).split('|')
      const fields = head.trim().split(/\s+/)
      cur = { file: name, line: i + 1, region: fields[0], category: fields.slice(1).join(' '), want: labels.trim().split(/\s+/).filter((l) => l.startsWith('+')), body: [] }
    } else if (cur) {
      cur.body.push(line)
    }
  })
  if (cur) snippets.push(cur)
}
let tp = 0, fp = 0, fn = 0
for (const s of snippets) {
  const text = s.body.join('\n')
  const got = new Set(findNumbers(text, { defaultCountry: s.region, leniency: 'VALID', v2: true }).map((m) => m.number.number))
  const want = new Set(s.want)
  const missed = [...want].filter((x) => !got.has(x))
  const extra = [...got].filter((x) => !want.has(x))
  tp += [...got].filter((x) => want.has(x)).length
  fp += extra.length
  fn += missed.length
  if (verbose && (missed.length || extra.length)) console.log(`${s.file}:${s.line} ${s.region} ${s.category}: missed [${missed}] extra [${extra}]`)
}
const p = tp / (tp + fp), r = tp / (tp + fn)
console.log(`js corpus: ${snippets.length} snippets: P ${p.toFixed(3)} R ${r.toFixed(3)} F1 ${(2 * p * r / (p + r)).toFixed(3)} (tp ${tp} fp ${fp} fn ${fn})`)
