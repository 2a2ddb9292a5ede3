// `pnpm bench`: runs every benchmark one after the other (never beside each other: they
// would share the two cores) and writes bench/RESULTS.md.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { machine } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const sections = []
for (const script of [
  'micro.mjs',
  'forgery.mjs',
  'previous-core.mjs',
  'http.mjs',
  'memory.mjs',
  'telemetry.mjs',
  'queue.mjs',
]) {
  console.error(`running bench/${script}…`)
  const output = execFileSync(process.execPath, [join(here, script)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  process.stdout.write(`${output}\n`)
  // Each script's own headings move one level down under this file's title.
  sections.push(output.replace(/^(#+) /gm, '#$1 '))
}
writeFileSync(
  join(here, 'RESULTS.md'),
  `# Benchmark results\n\nMachine: ${machine()}. Command: \`pnpm bench\` (\`node bench/run.mjs\`), loopback only, bounded runs.\nRatios are against baselines measured in the same run; rerun to compare on your machine.\n\n${sections.join('\n')}`,
)
console.error('wrote bench/RESULTS.md')
