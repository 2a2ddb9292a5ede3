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

async function check(label, command, args, options) {
  const since = performance.now()
  const { code, output } = await run(command, args, options)
  if (code === 0) {
    passed++
    console.log(`✓ ${label} (${seconds(since)})`)
  } else {
    failed++
    console.log(`✗ ${label} (${seconds(since)})\n${output.trimEnd()}\n`)
  }
  return code === 0
}

const pnpm = (...args) => ['pnpm', args]

await check('lint (biome)', ...pnpm('exec', 'biome', 'check', '.'))
const built = await check('build', 'node', ['scripts/build.mjs'])
if (built) {
  await check('API reports (api-extractor)', ...pnpm('run', 'api:check'))
  await check(
    'API reference: every export documented (typedoc)',
    ...pnpm('exec', 'typedoc', '--emit', 'none'),
  )

  rmSync(results, { force: true })
  const since = performance.now()
  const vitest = await run('pnpm', ['exec', 'vitest', 'run', '--coverage', '--silent=passed-only'])
  const report = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : undefined
  const vitestPassed = report?.numPassedTests ?? 0
  const vitestFailed = report?.numFailedTests ?? 0
  passed += vitestPassed
  failed += vitestFailed
  const ok = vitest.code === 0 && vitestFailed === 0 && report !== undefined
  if (!ok && vitestFailed === 0) failed++ // coverage gate, a crash, a file that failed to load
  console.log(
    `${ok ? '✓' : '✗'} vitest: ${vitestPassed} passed, ${vitestFailed} failed (${seconds(since)})${ok ? '' : `\n${vitest.output.trimEnd()}\n`}`,
  )

  for (const name of packages) {
    if (scripts(name)['test:types'])
      await check(`types (tsd) ${name}`, ...pnpm('run', 'test:types'), {
        cwd: join(root, 'packages', name),
      })
  }
  await check(
    "examples/nextjs against Next's route types",
    ...pnpm('--filter', 'example-nextjs', 'run', 'typecheck'),
  )
  for (const name of packages) {
    if (scripts(name)['check:package'])
      await check(`package (publint, attw) ${name}`, ...pnpm('run', 'check:package'), {
        cwd: join(root, 'packages', name),
      })
  }
}

console.log(`\ntook ${seconds(started)}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
