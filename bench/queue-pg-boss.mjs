import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ackRounds,
  distinctBody,
  fillThroughHandle,
  fmt,
  machine,
  numberArg,
  queueAckReport,
  signedHeaders,
  spawnLine,
  startPostgres,
  stop,
  table,
} from './lib.mjs'

const SECRET = 'whsec_bench_pg_boss'
const HANDLER_MS = 200
const MODES = ['immediately', 'queue', 'queue + worker']
const here = fileURLToPath(import.meta.url)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const bodyOf = distinctBody
const headersOf = signedHeaders(SECRET)
const slowHandler = () => sleep(HANDLER_MS)

/** A receiver's pg-boss: it only sends; the workers' instances do the upkeep. */
const receiverBoss = async (url) => {
  const { PgBoss } = await import('pg-boss')
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false })
  await boss.start()
  return boss
}

// ---- child roles ----------------------------------------------------------------------

const [role, ...args] = process.argv.slice(2)
if (role === '--serve') {
  // A receiver; prints its port.
  const [mode, url, queueName] = args
  const { inklessWebhooks } = await import('@inkless-webhooks/node')
  let options
  if (mode.startsWith('queue')) {
    const { createInklessQueue } = await import('@inkless-webhooks/pg-boss')
    options = { queue: createInklessQueue(await receiverBoss(url), { queueName }) }
  } else {
    options = { respond: mode, onDocumentSigned: slowHandler }
  }
  const server = createServer(inklessWebhooks({ path: '/webhook', secret: SECRET, ...options }))
  server.listen(0, '127.0.0.1', () => console.log(server.address().port))
} else if (role === '--worker') {
  // A worker; prints `ready`. SIGTERM closes it (the package's own signal handling).
  const [url, queueName, handlerMs, localConcurrency, batchSize] = args
  const { PgBoss } = await import('pg-boss')
  const { createInklessWorker } = await import('@inkless-webhooks/pg-boss')
  await createInklessWorker({
    boss: new PgBoss({ connectionString: url, schedule: false }),
    queueName,
    work: { localConcurrency: Number(localConcurrency), batchSize: Number(batchSize) },
    onDocumentSigned: Number(handlerMs) > 0 ? slowHandler : () => {},
  })
  console.log('ready')
} else {
  await main()
}

// ---- parent ---------------------------------------------------------------------------

function child(...roleArgs) {
  return spawnLine(here, roleArgs)
}

async function main() {
  const json = process.argv.includes('--json')
  const arg = numberArg
  const duration = arg('--duration', 3)
  const rounds = arg('--rounds', 3)
  const rate = arg('--rate', 500)
  const jobs = arg('--jobs', 10_000)
  const dir = mkdtempSync(join(tmpdir(), 'inkless-bench-pg-boss-'))
  const postgres = await startPostgres(dir).catch(() => undefined)
  if (!postgres) {
    rmSync(dir, { recursive: true, force: true })
    console.log('# Queue mode on PostgreSQL (pg-boss)\n\nSkipped: needs PostgreSQL 15.\n')
    return
  }
  // The parent's instance installs pg-boss's schema once, creates the queues, counts jobs.
  const boss = await receiverBoss(postgres.url)
  let queues = 0
  let sequence = 0
  try {
    // ---- the 200: latency at a fixed rate, then req/s at saturation ----
    const modes = await ackRounds({
      modes: MODES,
      rounds,
      rate,
      duration,
      nextBody: () => bodyOf(sequence++),
      headersOf,
      open: async (mode) => {
        const queueName = `bench-${++queues}`
        const server = await child('--serve', mode, postgres.url, queueName)
        const worker =
          mode === 'queue + worker'
            ? await child('--worker', postgres.url, queueName, String(HANDLER_MS), '16', '16')
            : undefined
        const close = async () => {
          await Promise.all([stop(server.proc), worker && stop(worker.proc)])
          if (mode.startsWith('queue')) await boss.deleteQueue(queueName)
        }
        return { port: Number(server.line), close }
      },
    })

    // ---- workers: jobs/s with a no-op handler ----
    const { createInklessQueue } = await import('@inkless-webhooks/pg-boss')
    const { createInklessWebhooks } = await import('@inkless-webhooks/core')
    const workers = {}
    let enqueueRate
    for (const count of [1, 4]) {
      const queueName = `bench-${++queues}`
      const webhooks = createInklessWebhooks({
        secret: SECRET,
        queue: createInklessQueue(boss, { queueName }),
      })
      // Filled through handle(), as receivers do, 64 at a time, before any worker starts.
      const filled = await fillThroughHandle({
        webhooks,
        jobs,
        nextBody: () => bodyOf(sequence++),
        headersOf,
      })
      enqueueRate ??= filled
      const t0 = performance.now()
      const started = await Promise.all(
        Array.from({ length: count }, () =>
          child('--worker', postgres.url, queueName, '0', '2', '4'),
        ),
      )
      const completed = async () =>
        Number(
          (
            await boss
              .getDb()
              .executeSql(
                "SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'",
                [queueName],
              )
          ).rows[0].n,
        )
      while ((await completed()) < jobs) await sleep(25)
      workers[count] = jobs / ((performance.now() - t0) / 1000)
      await Promise.all(started.map((w) => stop(w.proc)))
      await boss.deleteQueue(queueName)
    }

    const report = queueAckReport(modes, rate)
    const result = {
      machine: machine(),
      settings: { handlerMs: HANDLER_MS, rate, duration, rounds, connections: 32, jobs },
      modes,
      targets: report.targets,
      ratios: report.ratios,
      enqueueRate,
      workers,
    }
    if (json) {
      console.log(JSON.stringify(result, null, 2))
      return
    }
    console.log(`# Queue mode on PostgreSQL (pg-boss)

${result.machine}; a handler of ${HANDLER_MS} ms; node adapter; median of ${rounds} rounds. Latency of the 200 under an open-loop ${rate} deliveries/s for ${duration} s (each timed from its scheduled start); req/s with lib.mjs load(), 32 keep-alive connections, ${duration} s. Queue modes: the receiver answers once PostgreSQL 15 (default settings: fsync and synchronous_commit on) committed the pg-boss job; with \`+ worker\`, one worker process (16 loops × batches of 16) runs the handlers meanwhile on the same two cores. Every delivery distinct.

${report.table}

${report.lines}

## Workers

${fmt(jobs)} jobs committed through handle() (64 at a time: ${fmt(enqueueRate)} deliveries/s), then run by worker processes (2 loops × batches of 4 each, the default; no-op handler) until all are completed, timed from the workers' start.

${table([['worker processes', 'jobs/s'], ...Object.entries(workers).map(([n, r]) => [n, fmt(r)])])}
`)
  } finally {
    await boss.stop({ graceful: false })
    await stop(postgres.proc)
    rmSync(dir, { recursive: true, force: true })
  }
}
