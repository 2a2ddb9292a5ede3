// Builds the packages whose dist is missing or older than their sources, quietly: one line
// saying what it does, the build log only when it fails. Run by `pnpm install` (prepare), so
// every command in the README works right after it, and by `pnpm demo`, `bench` and `test`.
// `node scripts/build.mjs [--force]`
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const force = process.argv.includes('--force')

/** Newest (or oldest) modification time of the files under `dir`, recursively. */
function mtimes(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs)
}

const packages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
)
const stale = packages.filter((name) => {
  if (force) return true
  const dir = join(root, 'packages', name)
  const built = mtimes(join(dir, 'dist'))
  if (built.length === 0) return true
  const inputs = [
    ...mtimes(join(dir, 'src')),
    ...['package.json', 'tsdown.config.ts', '../../tsdown.base.ts'].flatMap((f) =>
      existsSync(join(dir, f)) ? [statSync(join(dir, f)).mtimeMs] : [],
    ),
  ]
  return Math.max(...inputs) > Math.min(...built)
})

if (stale.length === 0) process.exit(0)
const started = performance.now()
process.stdout.write(`building ${stale.length} package(s): ${stale.join(', ')}… `)
const filters = stale.flatMap((name) => ['--filter', `./packages/${name}`])
const build = spawnSync('pnpm', ['-r', ...filters, 'run', 'build'], {
  cwd: root,
  encoding: 'utf8',
  // tsdown 0.21 warns that Node 20 support ends in its next minor: the version is pinned.
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --no-deprecation` },
})
if (build.status !== 0) {
  process.stdout.write('failed\n')
  process.stdout.write(build.stdout)
  process.stderr.write(build.stderr)
  process.exit(build.status ?? 1)
}
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
