// The core as it is against the core of an earlier commit, in one process: `handle()` on
// 135-byte events, every body unique, with the default store and with dedupe off. The
// earlier core is taken from git history (default: the last commit before the split of
// core by concern) and built into .tmp/previous-core with this repository's tsdown.
// `node bench/previous-core.mjs [--rev REV] [--rounds N]`
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createInklessWebhooks, signPayload } from '@inkless-webhooks/core'
import { fmt, interleaved, table } from './lib.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i === -1 ? fallback : process.argv[i + 1]
}
const rev = arg('--rev', '29357d6')
const rounds = Number(arg('--rounds', 11))
const root = join(import.meta.dirname, '..')
const dir = join(root, '.tmp/previous-core', rev)

if (!existsSync(join(dir, 'packages/core/dist/index.mjs'))) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const files = ['packages/core', 'tsdown.base.ts', 'tsconfig.base.json']
  const archive = execFileSync('git', ['archive', rev, ...files], { cwd: root })
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  execFileSync(join(root, 'node_modules/.bin/tsdown'), [], {
    cwd: join(dir, 'packages/core'),
    stdio: 'ignore',
    env: { ...process.env, NODE_OPTIONS: '--no-deprecation' },
  })
}
const previous = await import(pathToFileURL(join(dir, 'packages/core/dist/index.mjs')).href)

const secret = 'whsec_bench_7c1e0b5d2f9a4e3c'
const iterations = 20_000
const bodies = Array.from({ length: iterations * (rounds + 1) * 2 }, (_, i) => {
  const rawBody = Buffer.from(
    JSON.stringify({
      event: 'document_signed',
      secure_link_id: i,
      document_token: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
      timestamp: '2026-03-11T23:25:31Z',
    }),
  )
  return { rawBody, headers: { 'x-inkless-signature': signPayload(rawBody, secret) } }
})

// Each candidate walks its own half of the bodies, so every delivery is new to its store.
function candidate(name, create, options, half) {
  const webhooks = create({ secret, onDocumentSigned() {}, ...options })
  let next = half * iterations * (rounds + 1)
  return {
    name,
    async: true,
    fn: async () => {
      const { rawBody, headers } = bodies[next++]
      const res = await webhooks.handle({ method: 'POST', headers, rawBody })
      if (res.status !== 200) throw new Error(`${name}: ${res.status}`)
    },
  }
}

const rows = [
  ['handle(), 135 B, every body unique', `core at ${rev} ops/s`, 'core now ops/s', 'now ÷ then'],
]
for (const [label, options] of [
  ['default options (in-memory dedupe)', {}],
  ['dedupe off', { dedupe: false }],
]) {
  const results = await interleaved(
    [
      candidate('then', previous.createInklessWebhooks, options, 0),
      candidate('now', createInklessWebhooks, options, 1),
    ],
    { rounds, iterations },
  )
  rows.push([
    label,
    fmt(results.get('then')),
    fmt(results.get('now')),
    (results.get('now') / results.get('then')).toFixed(2),
  ])
}

console.log(
  `## Core now against core at ${rev}\n\nBoth in one process, median of ${rounds} interleaved rounds of ${fmt(iterations)}. The key change on this path: dedupe keys are now a SHA-256 digest (fixed size, unambiguous) instead of the four fields joined, one hash per delivery.\n\n${table(rows)}\n`,
)
