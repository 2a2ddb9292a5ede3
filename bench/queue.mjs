// Queue mode: how fast Inkless gets its 200 when a handler takes 200 ms, in each of the three
// modes — `after-handlers`, `respond: 'immediately'`, and `queue` (a BullMQ job, the handler
// in a worker process) — and how many jobs per second 1 and 4 worker processes run with a
// no-op handler. A redis-server is started on a free port (AOF, appendfsync everysec, as in
// production); every server runs in its own child process, the node adapter throughout.
// - ack latency: an open-loop client sends RATE requests/s (each a distinct delivery) for
//   DURATION s on keep-alive sockets; latency runs from each request's scheduled start.
// - req/s: lib.mjs load(), 32 keep-alive connections, as fast as the server answers.
// `node bench/queue.mjs [--json] [--duration S] [--rounds N] [--rate R] [--jobs N]`
import { spawn } from 'node:child_process'
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
  freePort,
  machine,
  numberArg,
  queueAckReport,
  signedHeaders,
  spawnLine,
  stop,
  table,
} from './lib.mjs'

const SECRET = 'whsec_bench_queue'
const HANDLER_MS = 200
// `queue`: the receiver alone, its workers on other machines; `queue + worker`: one worker
// process running the handlers on this machine meanwhile, sharing its two cores.
const MODES = ['after-handlers', 'immediately', 'queue', 'queue + worker']
const here = fileURLToPath(import.meta.url)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const bodyOf = distinctBody
const headersOf = signedHeaders(SECRET)
const connectionOf = (url) => ({ host: '127.0.0.1', port: Number(new URL(url).port) })
const slowHandler = () => sleep(HANDLER_MS)

// ---- child roles ----------------------------------------------------------------------

const [role, ...args] = process.argv.slice(2)
if (role === '--serve') {
  // A receiver in one of the three modes; prints its port.
  const [mode, redisUrl, queueName] = args
  const { inklessWebhooks } = await import('@inkless-webhooks/node')
  let options
  if (mode.startsWith('queue')) {
    const { Queue } = await import('bullmq')
    const { inklessQueue } = await import('@inkless-webhooks/bullmq')
    const queue = new Queue(queueName, {
      connection: { ...connectionOf(redisUrl), enableOfflineQueue: false },
    })
    await queue.waitUntilReady()
    options = { queue: inklessQueue(queue) }
  } else {
    options = { respond: mode, onDocumentSigned: slowHandler }
  }
  const server = createServer(inklessWebhooks({ path: '/webhook', secret: SECRET, ...options }))
  server.listen(0, '127.0.0.1', () => console.log(server.address().port))
} else if (role === '--worker') {
  // A worker; prints `ready`. SIGTERM closes it.
  const [redisUrl, queueName, handlerMs, concurrency] = args
  const { createInklessWorker } = await import('@inkless-webhooks/bullmq')
  const handler = Number(handlerMs) > 0 ? slowHandler : () => {}
  const worker = createInklessWorker({
    connection: connectionOf(redisUrl),
    queueName,
    concurrency: Number(concurrency),
    onDocumentSigned: handler,
  })
  process.once('SIGTERM', () => worker.close().then(() => process.exit(0)))
  await worker.worker.waitUntilReady()
  console.log('ready')
} else {
  await main()
}

// ---- parent ---------------------------------------------------------------------------

/** Spawns this file in a role; resolves with the child and its first line. */
function child(...roleArgs) {
  return spawnLine(here, roleArgs)
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
  return { proc, url: `redis://127.0.0.1:${port}` }
}

async function main() {
  const json = process.argv.includes('--json')
  const arg = numberArg
  const duration = arg('--duration', 3)
  const rounds = arg('--rounds', 3)
  const rate = arg('--rate', 500)
  const jobs = arg('--jobs', 20_000)
  const dir = mkdtempSync(join(tmpdir(), 'inkless-bench-queue-'))
  const redis = await startRedis(dir).catch(() => undefined)
  if (!redis) {
    rmSync(dir, { recursive: true, force: true })
    console.log('# Queue mode\n\nSkipped: needs redis-server on the PATH.\n')
    return
  }
  let queues = 0
  let sequence = 0
  const { Queue } = await import('bullmq')
  // Each run gets a fresh queue, emptied afterwards so Redis stays small.
  const drop = async (name) => {
    const queue = new Queue(name, { connection: connectionOf(redis.url) })
    await queue.obliterate({ force: true })
    await queue.close()
  }
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
        const server = await child('--serve', mode, redis.url, queueName)
        const worker =
          mode === 'queue + worker'
            ? await child('--worker', redis.url, queueName, String(HANDLER_MS), '256')
            : undefined
        const close = async () => {
          await Promise.all([stop(server.proc), worker && stop(worker.proc)])
          if (mode.startsWith('queue')) await drop(queueName)
        }
        return { port: Number(server.line), close }
      },
    })

    // ---- workers: jobs/s with a no-op handler ----
    const { inklessQueue } = await import('@inkless-webhooks/bullmq')
    const { createInklessWebhooks } = await import('@inkless-webhooks/core')
    const workers = {}
    let enqueueRate
    for (const count of [1, 4]) {
      const queueName = `bench-${++queues}`
      const queue = new Queue(queueName, { connection: connectionOf(redis.url) })
      const webhooks = createInklessWebhooks({ secret: SECRET, queue: inklessQueue(queue) })
      // Filled through handle(), as receivers do, 64 at a time; paused until every worker is up.
      await queue.pause()
      const filled = await fillThroughHandle({
        webhooks,
        jobs,
        nextBody: () => bodyOf(sequence++),
        headersOf,
      })
      enqueueRate ??= filled
      const started = await Promise.all(
        Array.from({ length: count }, () => child('--worker', redis.url, queueName, '0', '8')),
      )
      const t0 = performance.now()
      await queue.resume()
      while ((await queue.getCompletedCount()) < jobs) await sleep(25)
      workers[count] = jobs / ((performance.now() - t0) / 1000)
      await Promise.all(started.map((w) => stop(w.proc)))
      await queue.obliterate({ force: true })
      await queue.close()
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
    console.log(`# Queue mode

${result.machine}; a handler of ${HANDLER_MS} ms; node adapter; median of ${rounds} rounds. Latency of the 200 under an open-loop ${rate} deliveries/s for ${duration} s (each timed from its scheduled start); req/s with lib.mjs load(), 32 keep-alive connections, ${duration} s. Queue modes: the receiver answers once Redis (AOF, appendfsync everysec) stored the job; with \`+ worker\`, one worker process (concurrency 256) runs the handlers meanwhile on the same two cores. Every delivery distinct.

${report.table}

${report.lines}

## Workers

${fmt(jobs)} jobs stored through handle() (64 at a time: ${fmt(enqueueRate)} deliveries/s), then run by worker processes (concurrency 8 each, no-op handler) until all are completed.

${table([['worker processes', 'jobs/s'], ...Object.entries(workers).map(([n, r]) => [n, fmt(r)])])}
`)
  } finally {
    await stop(redis.proc)
    rmSync(dir, { recursive: true, force: true })
  }
}
