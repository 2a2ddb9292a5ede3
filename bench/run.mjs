// `pnpm bench`: runs every benchmark one after the other (never beside each other: they
// would share the two cores), writes bench/RESULTS.md, and draws bench/results.svg from the
// same run's tables (bench/chart.mjs).
// `pnpm bench --quick`: the HTTP table alone, one short round, printed and not written.
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chartData, renderChart, tablesOf } from './chart.mjs'
import { machine } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const run = (script, args = []) => {
  console.error(`running bench/${script} ${args.join(' ')}…`)
  const started = performance.now()
  const output = execFileSync(process.execPath, [join(here, script), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  console.error(`bench/${script}: ${((performance.now() - started) / 1000).toFixed(0)} s`)
  process.stdout.write(`${output}\n`)
  return output
}

if (process.argv.includes('--quick')) {
  run('http.mjs', ['--rounds', '1', '--duration', '1', '--warmup', '0.3'])
  process.exit(0)
}

const started = performance.now()
const sections = []
for (const script of [
  'micro.mjs',
  'forgery.mjs',
  'previous-core.mjs',
  'http.mjs',
  'memory.mjs',
  'telemetry.mjs',
  'queue.mjs',
  'queue-pg-boss.mjs',
  'postgres.mjs',
]) {
  if (!existsSync(join(here, script))) continue
  // Each script's own headings move one level down under this file's title.
  sections.push(run(script).replace(/^(#+) /gm, '#$1 '))
}
const minutes = (performance.now() - started) / 60_000
const results = sections.join('\n')

/** Every target the run checked, gathered from the tables and lines the scripts printed. */
function targetsOf(markdown) {
  const lines = []
  for (const { heading, columns, rows } of tablesOf(markdown)) {
    const verdict = columns.find((c) => c === 'target' || c === 'met?')
    if (!verdict) continue
    for (const row of rows) {
      if (row[verdict] === '—') continue
      lines.push(
        row.baseline
          ? `- ${heading}: ${row.candidate} vs ${row.baseline}, CPU efficiency ${row['CPU efficiency']} (target ${row.target})`
          : `- ${heading}: ${row.measurement}, ${row.figure} (target ${row.target}: ${row['met?']})`,
      )
    }
  }
  let heading = ''
  for (const line of markdown.split('\n')) {
    if (line.startsWith('#')) heading = line.replace(/^#+ /, '')
    else if (line.startsWith('- ') && /target[^\n]*\b(met|missed)\b/i.test(line))
      lines.push(`- ${heading}: ${line.slice(2)}`)
  }
  return lines
}
const targets = targetsOf(results)
const missed = targets.filter((line) => /\bmissed\b/i.test(line)).length
writeFileSync(
  join(here, 'RESULTS.md'),
  `# Benchmark results\n\nMachine: ${machine()}. Command: \`pnpm bench\` (\`node bench/run.mjs\`, ${minutes.toFixed(1)} min), loopback only, bounded runs. Each table states its own settings.\nRatios are against baselines measured in the same run; rerun to compare on your machine. The chart, [results.svg](results.svg), is drawn from these tables.\n\n## Targets at a glance\n\n${targets.length - missed} of ${targets.length} met in this run. Where each miss comes from, by profile: [docs/performance.md](../docs/performance.md#where-the-misses-come-from).\n\n${targets.join('\n')}\n\n${results}`,
)
writeFileSync(
  join(here, 'results.svg'),
  await renderChart(chartData(tablesOf(results)), {
    title: `pnpm bench, ${machine()} (blue: target met, red: missed; tick: target)`,
  }),
)
console.error(`wrote bench/RESULTS.md and bench/results.svg (${minutes.toFixed(1)} min)`)
