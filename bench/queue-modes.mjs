// The queue-mode benchmark, for any queue engine: bench/queue.mjs (BullMQ on redis-server)
// and bench/queue-pg-boss.mjs (pg-boss on PostgreSQL) give it their engine; this file holds
// what they share: the receiver child, the rounds of modes, the worker runs and the report.
// - ack latency: an open-loop client sends RATE requests/s (each a distinct delivery) for
//   DURATION s on keep-alive sockets; latency runs from each request's scheduled start.
// - req/s: lib.mjs load(), 32 keep-alive connections, as fast as the server answers; the
//   CPU time the receiver and the engine's server processes spent meanwhile, per delivery.
// The load generator, the receiver, the engine's server and (`+ worker`) a worker share the
// machine's cores: the latency includes their scheduling.
// `node bench/<script> [--json] [--duration S] [--rounds N] [--rate R] [--jobs N] [--only MODE,…]`
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  stop,
  table,
} from './lib.mjs'

export const HANDLER_MS = 200
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
/** The listener of the modes that run it in the receiver, and of the `+ worker` worker. */
export const slowHandler = () => sleep(HANDLER_MS)

/**
 * The receiver child: the node adapter in `mode`, with `queueOf()`'s queue in queue modes;
 * prints its port.
 */
export async function serve({ secret, mode, queueOf }) {
  const { inklessWebhooks } = await import('@inkless-webhooks/node')
  const options = mode.startsWith('queue')
    ? { queue: await queueOf() }
    : { respond: mode, onDocumentSigned: slowHandler }
  const server = createServer(inklessWebhooks({ path: '/webhook', secret, ...options }))
  server.listen(0, '127.0.0.1', () => console.log(server.address().port))
}

/** p50 and p99 of `count` runs of `once()` started `intervalMs` apart, each timed from its start. */
export async function pacedFloor(count, intervalMs, once) {
  const times = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await once()
    times.push(performance.now() - started)
    await sleep(intervalMs)
  }
  times.sort((a, b) => a - b)
  return { p50: times[Math.floor(count / 2)], p99: times[Math.ceil(count * 0.99) - 1] }
}

/**
 * The parent: starts the engine's server, measures every mode's 200, then how many jobs/s 1
 * and 4 worker processes run, and prints the report (or --json).
 * `engine`: `title`, `modes`, `jobs` (default count), `start(dir)` → `{ url, pid, close() }`
 * or undefined when the server is missing (`skipped` says so), `connect(url)` → the parent's
 * `{ queueOf(name), drop(name), completed(name), hold?(name), release?(name), close() }`,
 * `floor(server, dir)` → `{ what, p50, p99 }` (the engine's own latency, from pacedFloor),
 * `workerArgs.slow(url, name)` / `.noop(url, name)`, and the sentences `stored`, `worker` and `workers` for the report.
 */
export async function runQueueBench(here, engine) {
  const json = process.argv.includes('--json')
  const duration = numberArg('--duration', 3)
  const rounds = numberArg('--rounds', 3)
  const rate = numberArg('--rate', 500)
  const jobs = numberArg('--jobs', engine.jobs)
  const only = process.argv.indexOf('--only')
  const modes =
    only === -1
      ? engine.modes
      : engine.modes.filter((m) =>
          ['immediately', ...process.argv[only + 1].split(',')].includes(m),
        )
  const secret = engine.secret
  const headersOf = signedHeaders(secret)
  const child = (...args) => spawnLine(here, args)
  const dir = mkdtempSync(join(tmpdir(), 'inkless-bench-queue-'))
  const server = await engine.start(dir).catch(() => undefined)
  if (!server) {
    rmSync(dir, { recursive: true, force: true })
    console.log(`# ${engine.title}\n\nSkipped: ${engine.skipped}\n`)
    return
  }
  const parent = await engine.connect(server.url)
  let queues = 0
  let sequence = 0
  const nextBody = () => distinctBody(sequence++)
  try {
    // ---- the 200: latency at a fixed rate, then req/s at saturation ----
    const measured = await ackRounds({
      modes,
      rounds,
      rate,
      duration,
      nextBody,
      headersOf,
      open: async (mode) => {
        const name = `bench-${++queues}`
        const receiver = await child('--serve', mode, server.url, name)
        const worker =
          mode === 'queue + worker'
            ? await child('--worker', ...engine.workerArgs.slow(server.url, name))
            : undefined
        const close = async () => {
          await Promise.all([stop(receiver.proc), worker && stop(worker.proc)])
          if (mode.startsWith('queue')) await parent.drop(name)
        }
        const pids = mode.startsWith('queue')
          ? [receiver.proc.pid, server.pid]
          : [receiver.proc.pid]
        return { port: Number(receiver.line), close, pids }
      },
    })

    // ---- workers: jobs/s with a no-op handler ----
    const { createInklessWebhooks } = await import('@inkless-webhooks/core')
    const workers = {}
    let enqueueRate
    for (const count of [1, 4]) {
      const name = `bench-${++queues}`
      const webhooks = createInklessWebhooks({ secret, queue: await parent.queueOf(name) })
      await parent.hold?.(name)
      const filled = await fillThroughHandle({ webhooks, jobs, nextBody, headersOf })
      enqueueRate ??= filled
      // Timed from the release of a held queue, else from the workers' start.
      let t0 = performance.now()
      const started = await Promise.all(
        Array.from({ length: count }, () =>
          child('--worker', ...engine.workerArgs.noop(server.url, name)),
        ),
      )
      if (parent.release) {
        t0 = performance.now()
        await parent.release(name)
      }
      while ((await parent.completed(name)) < jobs) await sleep(25)
      workers[count] = jobs / ((performance.now() - t0) / 1000)
      await Promise.all(started.map((w) => stop(w.proc)))
      await parent.drop(name)
    }

    // What the engine alone costs an ack on this machine now: no receiver can answer faster.
    const floor = await engine.floor(server, dir)
    const report = queueAckReport(
      measured,
      rate,
      modes.filter((m) => m.startsWith('queue')),
    )
    const result = {
      machine: machine(),
      settings: { handlerMs: HANDLER_MS, rate, duration, rounds, connections: 32, jobs },
      modes: measured,
      targets: report.targets,
      ratios: report.ratios,
      enqueueRate,
      workers,
      floor,
    }
    if (json) {
      console.log(JSON.stringify(result, null, 2))
      return
    }
    console.log(`# ${engine.title}

${result.machine}; a handler of ${HANDLER_MS} ms; node adapter; median of ${rounds} rounds. Latency of the 200 under an open-loop ${rate} deliveries/s for ${duration} s (each timed from its scheduled start; the load generator's own lateness in sending, part of every latency, has its own column); req/s with lib.mjs load(), 32 keep-alive connections, ${duration} s, and the CPU time the receiver (and in queue modes ${engine.server}) spent meanwhile, per delivery. Queue modes: the receiver answers once ${engine.stored}; with \`+ worker\`, ${engine.worker} runs the handlers meanwhile. The load generator, the receiver, ${engine.server} and the worker share the machine's cores. Every delivery distinct.

${report.table}

${report.lines}
- the floor under every queue-mode ack: ${floor.what}: p50 ${floor.p50.toFixed(2)} ms, p99 ${floor.p99.toFixed(2)} ms

## Workers

${fmt(jobs)} jobs stored through handle() (64 at a time: ${fmt(enqueueRate)} deliveries/s), then run by ${engine.workers} until all are completed.

${table([['worker processes', 'jobs/s'], ...Object.entries(workers).map(([n, r]) => [n, fmt(r)])])}
`)
  } finally {
    await parent.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
