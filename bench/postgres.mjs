// Exactly once in your database: deliveries per second through handle() (in process, no
// HTTP) with each dedupe store, a no-op listener, concurrency 1 and 64, each delivery
// distinct. A redis-server and a PostgreSQL 15 cluster (fsync on, synchronous_commit on, as
// in production) are started on free loopback ports beside this process: on a 2-core
// machine the database shares the cores with Node.
// - memory: the default in-process store.
// - redis: @inkless-webhooks/redis over ioredis (SET NX, then SET done).
// - postgres store: createPostgresDedupeStore over a pg Pool (claim, then complete).
// - transactional: createPostgresTransactionalStore (BEGIN, claim + document order,
//   COMMIT), and the same with the listener writing one row through `db`.
// `node bench/postgres.mjs [--json] [--deliveries N] [--rounds N]`
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import {
  createPostgresDedupeStore,
  createPostgresTransactionalStore,
  createSchema,
} from '@inkless-webhooks/postgres'
import { redisDedupeStore } from '@inkless-webhooks/redis'
import Redis from 'ioredis'
import pg from 'pg'
import { fmt, machine, median, startPostgres, table } from './lib.mjs'

const SECRET = 'whsec_bench_postgres'
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const DELIVERIES = option('deliveries', 2000)
const ROUNDS = option('rounds', 3)
const CONCURRENCY = [1, 64]

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

/** Starts `command` and resolves once its stderr or stdout says `ready`. */
function started(command, args, ready, options = {}) {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  return new Promise((resolve, reject) => {
    let output = ''
    const read = (chunk) => {
      output += chunk
      if (output.includes(ready)) resolve(proc)
    }
    proc.stdout.on('data', read)
    proc.stderr.on('data', read)
    proc.once('error', reject)
    proc.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output}`)))
  })
}

async function startRedis(dir) {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]
  const proc = await started('redis-server', args, 'Ready to accept connections')
  return { proc, url: `redis://127.0.0.1:${port}` }
}

let sequence = 0
/** A distinct signed delivery per call. */
function delivery() {
  const body = `{"event":"document_signed","secure_link_id":271,"document_token":"${(++sequence).toString(16).padStart(32, '0')}","timestamp":"2026-03-11T23:25:31Z"}`
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-inkless-signature': createHmac('sha256', SECRET).update(body).digest('base64'),
    },
    rawBody: body,
  }
}

/** Deliveries per second: `count` distinct deliveries, `concurrency` in flight. */
async function rate(webhooks, count, concurrency) {
  const requests = Array.from({ length: count }, delivery)
  let next = 0
  const startedAt = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const res = await webhooks.handle(requests[next++])
        if (res.status !== 200) throw new Error(`answered ${res.status} ${res.body}`)
      }
    }),
  )
  return count / ((performance.now() - startedAt) / 1000)
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'inkless-bench-pg-'))
  const [postgres, redisServer] = await Promise.all([startPostgres(dir), startRedis(dir)])
  const pool = new pg.Pool({ connectionString: postgres.url, max: 70 })
  // The server's shutdown at the end reaches connections still closing.
  pool.on('error', () => {})
  const redis = new Redis(redisServer.url, { enableOfflineQueue: false })
  try {
    await createSchema(pool)
    await pool.query('CREATE TABLE effects (token text)')
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
    const noop = () => {}
    const candidates = [
      ['memory store', {}],
      ['redis store', { dedupe: redisDedupeStore(redis) }],
      ['postgres store', { dedupe: createPostgresDedupeStore({ pool }) }],
      ['transactional', { dedupe: createPostgresTransactionalStore({ pool }) }],
      [
        'transactional + 1 INSERT',
        {
          dedupe: createPostgresTransactionalStore({ pool }),
          onDocumentSigned: (event, { db }) =>
            db.query('INSERT INTO effects VALUES ($1)', [event.document_token]),
        },
      ],
    ].map(([name, options]) => ({
      name,
      webhooks: createInklessWebhooks({ secret: SECRET, onDocumentSigned: noop, ...options }),
    }))
    const results = new Map(candidates.map((c) => [c.name, new Map()]))
    for (const concurrency of CONCURRENCY) {
      const count = concurrency === 1 ? Math.ceil(DELIVERIES / 4) : DELIVERIES
      for (const c of candidates) await rate(c.webhooks, Math.min(count, 200), concurrency)
      const samples = new Map(candidates.map((c) => [c.name, []]))
      // Rounds interleaved, the order rotating, so none always runs first or last.
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < candidates.length; i++) {
          const c = candidates[(i + round) % candidates.length]
          samples.get(c.name).push(await rate(c.webhooks, count, concurrency))
        }
      }
      for (const [name, s] of samples) results.get(name).set(concurrency, median(s))
    }
    if (process.argv.includes('--json')) {
      console.log(
        JSON.stringify(
          Object.fromEntries([...results].map(([k, v]) => [k, Object.fromEntries(v)])),
        ),
      )
      return
    }
    const memory = results.get('memory store')
    console.log(`# Dedupe stores and transactional handling

${machine()}. handle() in process, a distinct signed delivery each, a no-op listener; ${DELIVERIES} deliveries at concurrency 64 and ${Math.ceil(DELIVERIES / 4)} at 1, median of ${ROUNDS} interleaved rounds. redis-server and PostgreSQL 15 (fsync on) on loopback, sharing the machine's cores.

${table([
  [
    'store',
    'deliveries/s, concurrency 1',
    'vs memory',
    'deliveries/s, concurrency 64',
    'vs memory',
  ],
  ...[...results].map(([name, byConcurrency]) => [
    name,
    fmt(byConcurrency.get(1)),
    `${(byConcurrency.get(1) / memory.get(1)).toFixed(3)}x`,
    fmt(byConcurrency.get(64)),
    `${(byConcurrency.get(64) / memory.get(64)).toFixed(3)}x`,
  ]),
])}
`)
  } finally {
    redis.disconnect()
    await pool.end()
    postgres.proc.kill('SIGINT')
    redisServer.proc.kill('SIGINT')
    await Promise.all(
      [postgres.proc, redisServer.proc].map((p) => new Promise((r) => p.once('exit', r))),
    )
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
