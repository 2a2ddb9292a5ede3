// `pnpm test`: every check, one line each, the output of a check only when it fails, and a
// last line `N passed, N failed` (vitest's tests, plus one per other check). CI runs it from
// `.ci/run`. `INKLESS_STRESS=1` (`pnpm stress`) runs the load and fuzz tests at full size.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const results = join(root, '.tmp/vitest-results.json')
const packages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
)
const scripts = (name) =>
  JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')).scripts ?? {}

let passed = 0
let failed = 0
const started = performance.now()
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`

/** Runs a command with its output kept; resolves to its exit code and output. */
function run(command, args, { cwd = root, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

/** Runs a command with its output kept, and its time. */
async function timed(command, args, options) {
  const since = performance.now()
  return { ...(await run(command, args, options)), took: seconds(since) }
}

function report(label, { code, output, took }) {
  if (code === 0) {
    passed++
    console.log(`✓ ${label} (${took})`)
  } else {
    failed++
    console.log(`✗ ${label} (${took})\n${output.trimEnd()}\n`)
  }
  return code === 0
}

const check = async (label, command, args, options) =>
  report(label, await timed(command, args, options))

/** Runs one check per package, two at a time (each is a short, mostly single-core job). */
async function perPackage(script, label) {
  const names = packages.filter((name) => scripts(name)[script])
  const results = new Map()
  let next = 0
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]
      results.set(name, await timed('pnpm', ['run', script], { cwd: join(root, 'packages', name) }))
    }
  }
  await Promise.all([worker(), worker()])
  for (const name of names) report(`${label} ${name}`, results.get(name))
}

const pnpm = (...args) => ['pnpm', args]

await check('lint (biome)', ...pnpm('exec', 'biome', 'check', '.'))
const built = await check('build', 'node', ['scripts/build.mjs'])
if (built) {
  await check('API reports (api-extractor)', ...pnpm('run', 'api:check'))
  // vitest strips types without checking them: tsc checks every test file and helper.
  await check('types: root tests (tsc -p test)', ...pnpm('exec', 'tsc', '-p', 'test'))
  await check(
    "types: core's sources and tests (tsc -p packages/core)",
    ...pnpm('exec', 'tsc', '-p', 'packages/core', '--noEmit'),
  )
  await check(
    'API reference: every export documented (typedoc)',
    ...pnpm('exec', 'typedoc', '--emit', 'none'),
  )

  rmSync(results, { force: true })
  const since = performance.now()
  const vitest = await run('pnpm', ['exec', 'vitest', 'run', '--coverage', '--silent=passed-only'])
  const json = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : undefined
  const vitestPassed = json?.numPassedTests ?? 0
  const vitestFailed = json?.numFailedTests ?? 0
  passed += vitestPassed
  failed += vitestFailed
  const ok = vitest.code === 0 && vitestFailed === 0 && json !== undefined
  if (!ok && vitestFailed === 0) failed++ // coverage gate, a crash, a file that failed to load
  console.log(
    `${ok ? '✓' : '✗'} vitest: ${vitestPassed} passed, ${vitestFailed} failed (${seconds(since)})${ok ? '' : `\n${vitest.output.trimEnd()}\n`}`,
  )

  await perPackage('test:types', 'types (tsd)')
  await check(
    "examples/nextjs against Next's route types",
    ...pnpm('--filter', 'example-nextjs', 'run', 'typecheck'),
  )
  await perPackage('check:package', 'package (publint, attw)')
}

console.log(`\ntook ${seconds(started)}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
