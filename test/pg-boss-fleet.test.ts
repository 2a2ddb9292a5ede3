// Queue mode on PostgreSQL as deployed: receiver processes on two adapters and worker
// processes sharing one real PostgreSQL, through a SIGKILLed worker, a stopped database and
// shutdowns. INKLESS_STRESS=1 (`pnpm stress`) runs the full-size plan and prints the figures.
import { PgBoss } from 'pg-boss'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { deliverAll } from './support/deliver.js'
import { eventBody } from './support/deliveries.js'
import {
  type FixtureProcess,
  fixtureProcesses,
  handledCounts,
  plan,
  sendThroughOutage,
} from './support/fleet.js'
import { PostgresServer } from './support/postgres.js'
import { report, stress } from './support/stress.js'

// 20 envelopes are 520 deliveries, 190 are 5,006; the fault tests take 12 (310) by default.
const ENVELOPES = stress ? 190 : 20
const FAULT_ENVELOPES = stress ? 190 : 12
const OUTAGE_MS = 5000
// Jobs one worker process holds at once: 2 loops × batches of 4 (test/fixtures/pg-boss-worker.mjs).
const HELD = 8

let postgres: PostgresServer
beforeAll(async () => {
  postgres = await PostgresServer.start()
})
afterAll(async () => {
  await postgres.destroy()
})

const start = fixtureProcesses()
let queues = 0
const startWorker = (env: Record<string, string>) => start('pg-boss-worker.mjs', [], env, /^ready$/)

/** Two receivers and two workers on one fresh queue. */
async function fleet(server: PostgresServer, env: Record<string, string> = {}) {
  const shared = { DATABASE_URL: server.url, QUEUE: `fleet-${++queues}`, ...env }
  // The first process installs pg-boss's schema; the others find it.
  const first = await start('pg-boss-receiver.mjs', ['node'], shared, /^listening /)
  const [second, ...workers] = await Promise.all([
    start('pg-boss-receiver.mjs', ['fastify'], shared, /^listening /),
    startWorker(shared),
    startWorker(shared),
  ])
  return {
    workers: workers as [FixtureProcess, FixtureProcess],
    urls: () => [first.url, (second as FixtureProcess).url],
    handled: () => handledCounts(workers),
  }
}

/** Keys handled more than once, and the job ids of those runs. */
const twice = (workers: readonly FixtureProcess[]) => {
  const counts = handledCounts(workers)
  return workers
    .flatMap((w) => w.lines)
    .filter((l) => l.startsWith('handled ') && (counts.get(l.split(' ')[1] as string) ?? 0) > 1)
    .map((l) => l.split(' ')[2] as string)
}

describe('queue mode on PostgreSQL across processes', {
  timeout: stress ? 240_000 : 120_000,
}, () => {
  it(`${stress ? '5,000' : '500'} shuffled deliveries, 20% duplicates, to node and fastify receivers, two workers: each event processed once, every answer 200`, async () => {
    const f = await fleet(postgres)
    const { bodies, unique } = plan(ENVELOPES)
    expect(bodies.length).toBeGreaterThanOrEqual(stress ? 5000 : 500)
    const started = performance.now()
    const statuses = await deliverAll(bodies, f.urls, { concurrency: 64 })
    const acked = performance.now()
    await vi.waitFor(() => expect(f.handled().size).toBe(unique), {
      timeout: 60_000,
      interval: 100,
    })
    expect([...statuses.keys()]).toEqual([200])
    expect(Math.max(...f.handled().values())).toBe(1)
    expect(f.workers.every((w) => w.said('handled').length > 0)).toBe(true)
    report(
      `pg-boss fleet: ${bodies.length} deliveries (${unique} unique) acked in ${Math.round(acked - started)} ms, all processed after ${Math.round(performance.now() - started)} ms; per worker ${f.workers.map((w) => w.said('handled').length).join('/')}`,
    )
  })

  it('a worker SIGKILLed mid-run: every event processed; only jobs it held run twice', async () => {
    // The minimum heartbeat pg-boss takes: the survivor's supervisor takes the killed
    // worker's jobs back about 10 s after its last heartbeat.
    // 8 loops × batches of 4: 32 jobs at once, so the survivor alone gets through the plan
    // of 300 ms handlers in time at full size too.
    const f = await fleet(postgres, { HANDLER_MS: '300', HEARTBEAT_MS: '10000', LOOPS: '8' })
    const { bodies, unique } = plan(FAULT_ENVELOPES)
    const sending = deliverAll(bodies, f.urls, { concurrency: 64 })
    const [doomed, survivor] = f.workers
    const running = () => doomed.said('start').length - doomed.said('handled').length
    await vi.waitFor(
      () => {
        expect(doomed.said('handled').length).toBeGreaterThan(unique / 8)
        expect(running()).toBeGreaterThanOrEqual(4)
      },
      { timeout: 30_000, interval: 5 },
    )
    await doomed.stop('SIGKILL')
    const held = new Set(doomed.said('start'))
    expect([...(await sending).keys()]).toEqual([200])
    await vi.waitFor(() => expect(f.handled().size).toBe(unique), {
      timeout: Math.max(60_000, ((unique * 300) / 32) * 2),
      interval: 100,
    })

    const starts = [...doomed.said('start'), ...survivor.said('start')]
    const restarted = new Set(starts.filter((id, i) => starts.indexOf(id) !== i))
    // Every re-run is of a job the killed worker had taken, and no more than it held at once
    // (a batch whose handlers returned but whose completion it had not committed yet).
    expect(restarted.size).toBeGreaterThan(0)
    expect(restarted.size).toBeLessThanOrEqual(32)
    expect([...restarted].filter((id) => !held.has(id))).toEqual([])
    expect(twice(f.workers).filter((id) => !held.has(id))).toEqual([])
    expect(Math.max(...f.handled().values())).toBeLessThanOrEqual(2)
    report(
      `pg-boss SIGKILL: ${bodies.length} deliveries, ${unique} unique; ${restarted.size} of the killed worker's jobs re-run by the survivor, ${new Set(twice(f.workers)).size} of them had run to the end before`,
    )
  })

  it(`PostgreSQL stopped for ${OUTAGE_MS / 1000} s while sending: 503s meanwhile, then every event processed`, async () => {
    const own = await PostgresServer.start()
    onTestFinished(() => own.destroy())
    const f = await fleet(own)
    const { bodies, unique, statuses, answeredMs, processedMs } = await sendThroughOutage(
      f,
      { stop: () => own.stop('SIGINT'), start: () => own.start() },
      FAULT_ENVELOPES,
      OUTAGE_MS,
    )
    expect(statuses.get(503)).toBeGreaterThan(0)
    expect([...statuses.keys()].sort()).toEqual([200, 503])
    // A job whose handlers returned as the database went away could not be marked done: it
    // runs again once a heartbeat lapses. Only jobs held at that moment can.
    expect(new Set(twice(f.workers)).size).toBeLessThanOrEqual(2 * HELD)
    expect(Math.max(...f.handled().values())).toBeLessThanOrEqual(2)
    report(
      `pg-boss outage: ${bodies.length} deliveries, ${unique} unique, answers ${JSON.stringify(Object.fromEntries(statuses))}; after the restart, all answered 2xx in ${answeredMs} ms, all processed in ${processedMs} ms; ${new Set(twice(f.workers)).size} ran twice`,
    )
  })
})

describe('a pg-boss worker shutting down', { timeout: 60_000 }, () => {
  /** A receiver and one worker on a fresh queue, and a `PgBoss` to read the jobs' states. */
  async function single(server: PostgresServer, workerEnv: Record<string, string>) {
    const env = { DATABASE_URL: server.url, QUEUE: `shutdown-${++queues}` }
    const receiver = await start('pg-boss-receiver.mjs', ['node'], env, /^listening /)
    const worker = await startWorker({ ...env, ...workerEnv })
    const boss = new PgBoss({ connectionString: server.url, supervise: false, schedule: false })
    boss.on('error', () => {})
    await boss.start()
    onTestFinished(() => boss.stop({ graceful: false }))
    const states = async () => {
      const ids = worker.said('start')
      const jobs = await boss.findJobs(env.QUEUE, { ids } as never)
      return jobs.map((j) => j.state).sort()
    }
    return { receiver, worker, states }
  }
  const bodies = Array.from({ length: 4 }, () => eventBody('document_signed'))

  it('SIGTERM: takes no new job, finishes the running ones, then ends by the signal; they are completed', async () => {
    const { receiver, worker, states } = await single(postgres, { HANDLER_MS: '1500' })
    const statuses = await deliverAll(bodies, () => [receiver.url], { concurrency: 4 })
    expect([...statuses.keys()]).toEqual([200])
    await vi.waitFor(() => expect(worker.said('start')).toHaveLength(4), { timeout: 20_000 })
    worker.signal('SIGTERM')
    await worker.ended()
    expect(worker.exited).toBe('SIGTERM')
    expect(worker.said('handled')).toHaveLength(4)
    expect(await states()).toEqual(['completed', 'completed', 'completed', 'completed'])
  })

  it('SIGTERM with jobs that outlast closeTimeoutMs: ends, and hands them back for a retry', async () => {
    const { receiver, worker, states } = await single(postgres, {
      HANDLER_MS: '60000',
      CLOSE_MS: '1000',
    })
    await deliverAll(bodies, () => [receiver.url], { concurrency: 4 })
    await vi.waitFor(() => expect(worker.said('start')).toHaveLength(4), { timeout: 20_000 })
    worker.signal('SIGTERM')
    await worker.ended()
    expect(worker.exited).toBe('SIGTERM')
    expect(worker.said('handled')).toEqual([])
    expect(await states()).toEqual(['retry', 'retry', 'retry', 'retry'])
  })

  it('PostgreSQL gone: the worker reports the outage once, and SIGTERM still ends it', async () => {
    const own = await PostgresServer.start()
    onTestFinished(() => own.destroy())
    const env = { DATABASE_URL: own.url, QUEUE: `gone-${++queues}` }
    const worker = await startWorker({ ...env, CLOSE_MS: '2000' })
    await own.stop('SIGINT')
    // Every loop polls twice a second and the supervisor runs every second: a dozen errors a
    // second reach pg-boss's 'error' event.
    await new Promise((r) => setTimeout(r, 3000))
    const errors = worker.lines.filter((l) => l.startsWith('error '))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^error PostgreSQL \(createInklessWorker\) failed: .+ Further errors are counted/,
    )
    worker.signal('SIGTERM')
    await worker.ended()
    expect(worker.exited).toBe('SIGTERM')
  })
})
