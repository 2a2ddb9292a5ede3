// Queue mode on BullMQ: how fast Inkless gets its 200 when a handler takes 200 ms, in each of
// the three modes — `after-handlers`, `respond: 'immediately'`, and `queue` (a BullMQ job, the
// handler in a worker process) — and how many jobs per second 1 and 4 worker processes run
// with a no-op handler. A redis-server is started on a free port (AOF, appendfsync everysec,
// as in production); every server runs in its own child process. What is measured and how:
// bench/queue-modes.mjs.
// `node bench/queue.mjs [--json] [--duration S] [--rounds N] [--rate R] [--jobs N] [--only MODE,…]`
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort, stop } from './lib.mjs'
import { HANDLER_MS, pacedFloor, runQueueBench, serve, slowHandler } from './queue-modes.mjs'

const SECRET = 'whsec_bench_queue'
const here = fileURLToPath(import.meta.url)
const connectionOf = (url) => ({ host: '127.0.0.1', port: Number(new URL(url).port) })

const [role, ...args] = process.argv.slice(2)
if (role === '--serve') {
  const [mode, redisUrl, queueName] = args
  await serve({
    secret: SECRET,
    mode,
    queueOf: async () => {
      const { Queue } = await import('bullmq')
      const { createInklessQueue } = await import('@inkless-webhooks/bullmq')
      const queue = new Queue(queueName, {
        connection: { ...connectionOf(redisUrl), enableOfflineQueue: false },
      })
      await queue.waitUntilReady()
      return createInklessQueue(queue)
    },
  })
} else if (role === '--worker') {
  // A worker; prints `ready`. SIGTERM closes it.
  const [redisUrl, queueName, handlerMs, concurrency] = args
  const { createInklessWorker } = await import('@inkless-webhooks/bullmq')
  const worker = createInklessWorker({
    connection: connectionOf(redisUrl),
    queueName,
    concurrency: Number(concurrency),
    onDocumentSigned: Number(handlerMs) > 0 ? slowHandler : () => {},
  })
  process.once('SIGTERM', () => worker.close().then(() => process.exit(0)))
  await worker.worker.waitUntilReady()
  console.log('ready')
} else {
  await runQueueBench(here, {
    title: 'Queue mode',
    secret: SECRET,
    // `queue`: the receiver alone, its workers on other machines; `queue + worker`: one
    // worker process running the handlers on this machine meanwhile.
    modes: ['after-handlers', 'immediately', 'queue', 'queue + worker'],
    jobs: 20_000,
    skipped: 'needs redis-server on the PATH.',
    server: 'redis-server',
    stored: 'Redis (AOF, appendfsync everysec) stored the job',
    worker: 'one worker process (concurrency 256)',
    workers: 'worker processes (concurrency 8 each, no-op handler), timed from their release',
    start: startRedis,
    connect: async (url) => {
      const { Queue } = await import('bullmq')
      const { createInklessQueue } = await import('@inkless-webhooks/bullmq')
      const opened = new Map()
      const queueOf = (name) => {
        if (!opened.has(name)) opened.set(name, new Queue(name, { connection: connectionOf(url) }))
        return opened.get(name)
      }
      return {
        queueOf: (name) => createInklessQueue(queueOf(name)),
        // Paused while filled, until every worker is up.
        hold: (name) => queueOf(name).pause(),
        release: (name) => queueOf(name).resume(),
        completed: (name) => queueOf(name).getCompletedCount(),
        // Each run gets a fresh queue, emptied afterwards so Redis stays small.
        drop: async (name) => {
          await queueOf(name).obliterate({ force: true })
          await queueOf(name).close()
          opened.delete(name)
        },
        close: () => Promise.all([...opened.values()].map((q) => q.close())),
      }
    },
    // A round trip to redis-server (AOF appends, fsync every second, off the reply's path).
    floor: async (server) => {
      const { Redis } = await import('ioredis')
      const redis = new Redis(server.url)
      try {
        const { p50, p99 } = await pacedFloor(500, 2, () => redis.ping())
        return { what: 'a PING round trip to redis-server, 500 at 2 ms intervals', p50, p99 }
      } finally {
        redis.disconnect()
      }
    },
    workerArgs: {
      slow: (url, name) => [url, name, String(HANDLER_MS), '256'],
      noop: (url, name) => [url, name, '0', '8'],
    },
  })
}

async function startRedis(dir) {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]
  const proc = spawn(
    'redis-server',
    [...args, '--appendonly', 'yes', '--appendfsync', 'everysec'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  await new Promise((resolve, reject) => {
    proc.once('error', reject)
    proc.stdout.on('data', (chunk) => {
      if (String(chunk).includes('Ready to accept connections')) resolve()
    })
  })
  proc.stdout.resume()
  return { url: `redis://127.0.0.1:${port}`, pid: proc.pid, close: () => stop(proc) }
}
