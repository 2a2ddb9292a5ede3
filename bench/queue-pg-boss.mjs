// Queue mode on PostgreSQL (pg-boss): the 200 with a 200 ms handler in `immediately` and queue
// modes, and the jobs/s of 1 and 4 worker processes with a no-op handler. A PostgreSQL 15
// cluster is started in a temporary directory (default settings: fsync and synchronous_commit
// on); every server runs in its own child process. What is measured and how:
// bench/queue-modes.mjs.
// `node bench/queue-pg-boss.mjs [--json] [--duration S] [--rounds N] [--rate R] [--jobs N] [--only MODE,…]`
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPostgres, stop } from './lib.mjs'
import { HANDLER_MS, pacedFloor, runQueueBench, serve, slowHandler } from './queue-modes.mjs'

const SECRET = 'whsec_bench_pg_boss'
const here = fileURLToPath(import.meta.url)

/** A receiver's pg-boss: it only sends; the workers' instances do the upkeep. */
const receiverBoss = async (url) => {
  const { PgBoss } = await import('pg-boss')
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false })
  await boss.start()
  return boss
}

const [role, ...args] = process.argv.slice(2)
if (role === '--serve') {
  const [mode, url, queueName] = args
  await serve({
    secret: SECRET,
    mode,
    queueOf: async () => {
      const { createInklessQueue } = await import('@inkless-webhooks/pg-boss')
      return createInklessQueue(await receiverBoss(url), { queueName })
    },
  })
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
  await runQueueBench(here, {
    title: 'Queue mode on PostgreSQL (pg-boss)',
    secret: SECRET,
    modes: ['immediately', 'queue', 'queue + worker'],
    jobs: 10_000,
    skipped: 'needs PostgreSQL 15.',
    server: 'PostgreSQL',
    stored:
      'PostgreSQL 15 (default settings: fsync and synchronous_commit on) committed the pg-boss job',
    worker: 'one worker process (16 loops × batches of 16)',
    workers:
      'worker processes (2 loops × batches of 4 each, the default; no-op handler), timed from their start',
    start: async (dir) => {
      const postgres = await startPostgres(dir)
      return { url: postgres.url, pid: postgres.proc.pid, close: () => stop(postgres.proc) }
    },
    connect: async (url) => {
      // The parent's instance installs pg-boss's schema once, creates the queues, counts jobs.
      const boss = await receiverBoss(url)
      const { createInklessQueue } = await import('@inkless-webhooks/pg-boss')
      return {
        queueOf: (queueName) => createInklessQueue(boss, { queueName }),
        completed: async (name) => {
          const { rows } = await boss
            .getDb()
            .executeSql(
              "SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'",
              [name],
            )
          return Number(rows[0].n)
        },
        drop: (name) => boss.deleteQueue(name),
        close: () => boss.stop({ graceful: false }),
      }
    },
    // Every commit waits for PostgreSQL's WAL flush: an 8 kB write and fdatasync on the disk
    // under the cluster's data directory.
    floor: async (_server, dir) => {
      const file = join(dir, 'fdatasync-probe')
      const fd = openSync(file, 'w')
      const page = Buffer.alloc(8192, 1)
      try {
        const { p50, p99 } = await pacedFloor(500, 2, () => {
          writeSync(fd, page, 0, page.length, 0)
          fdatasyncSync(fd)
        })
        return { what: "an 8 kB write and fdatasync on the data directory's disk", p50, p99 }
      } finally {
        closeSync(fd)
        rmSync(file)
      }
    },
    workerArgs: {
      slow: (url, name) => [url, name, String(HANDLER_MS), '16', '16'],
      noop: (url, name) => [url, name, '0', '2', '4'],
    },
  })
}
