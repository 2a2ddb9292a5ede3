// Queue mode as deployed: receiver processes on different adapters and worker processes,
// sharing one real redis-server. INKLESS_STRESS=1 (`pnpm stress`) runs the full-size plan
// and prints the figures; the default run is smaller, to keep `pnpm test` quick.
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
import { RedisServer } from './support/redis.js'
import { report, stress } from './support/stress.js'

// One envelope of two signers is 22 events; with 20% duplicates about 26 deliveries: 57
// envelopes are 1,523 deliveries, 190 are 5,006. The fault tests take a third as many.
const ENVELOPES = stress ? 190 : 57
const FAULT_ENVELOPES = stress ? 190 : 20
const OUTAGE_MS = stress ? 5000 : 2500

let redis: RedisServer
const start = fixtureProcesses()
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(async () => {
  await redis.destroy()
})

let queues = 0

/** Two receivers and two workers on one fresh queue; `firstWorkerEnv` for the first worker only. */
async function fleet(
  adapters: [string, string],
  server: RedisServer,
  workerEnv = {},
  firstWorkerEnv = {},
) {
  const env = { REDIS_URL: server.url, QUEUE: `fleet-${++queues}` }
  const [receivers, workers] = await Promise.all([
    Promise.all(adapters.map((a) => start('bullmq-receiver.mjs', [a], env, /^listening /))),
    Promise.all(
      [firstWorkerEnv, {}].map((own) =>
        start('bullmq-worker.mjs', [], { ...env, ...workerEnv, ...own }, /^ready$/),
      ),
    ),
  ])
  return {
    receivers,
    workers,
    urls: () => receivers.map((r) => r.url),
    /** How many times each dedupe key was handled, over every worker. */
    handled: () => handledCounts(workers),
  }
}

describe('queue mode across processes', { timeout: 120_000 }, () => {
  it(`${stress ? '5,000' : '1,500'} shuffled deliveries, 20% duplicates, to express and fastify receivers, two workers: each event processed once, every answer 200`, async () => {
    const f = await fleet(['express', 'fastify'], redis)
    const { bodies, unique } = plan(ENVELOPES)
    expect(bodies.length).toBeGreaterThanOrEqual(stress ? 5000 : 1500)
    const started = performance.now()
    const statuses = await deliverAll(bodies, f.urls, { concurrency: 64 })
    const acked = performance.now()
    await vi.waitFor(() => expect(f.handled().size).toBe(unique), {
      timeout: 60_000,
      interval: 100,
    })
    const drained = performance.now()
    expect([...statuses.keys()]).toEqual([200])
    expect(Math.max(...f.handled().values())).toBe(1)
    expect(f.workers.every((w) => w.said('handled').length > 0)).toBe(true)
    report(
      `fleet: ${bodies.length} deliveries (${unique} unique) acked in ${Math.round(acked - started)} ms, all processed after ${Math.round(drained - started)} ms; per worker ${f.workers.map((w) => w.said('handled').length).join('/')}`,
    )
  })

  it('a worker SIGKILLed mid-run: every event processed; only jobs it had in flight run twice', async () => {
    const CONCURRENCY = 64
    const { bodies, unique } = plan(FAULT_ENVELOPES)
    // Stall detection within a second or two instead of BullMQ's default 30 s lock. The
    // doomed worker kills itself once an eighth of the events are done, with jobs running.
    const f = await fleet(
      ['node', 'express'],
      redis,
      { HANDLER_MS: '300', LOCK_MS: '2000', CONCURRENCY: String(CONCURRENCY) },
      { SIGKILL_AFTER: String(Math.ceil(unique / 8)) },
    )
    const sending = deliverAll(bodies, f.urls, { concurrency: 64 })
    const [doomed, survivor] = f.workers as [FixtureProcess, FixtureProcess]
    await vi.waitFor(() => expect(doomed.exited).toBe('SIGKILL'), {
      timeout: 30_000,
      interval: 5,
    })
    await doomed.ended()
    const killedAt = Number(doomed.said('sigkill')[0])
    const completed = new Set(doomed.said('completed'))
    const inFlight = new Set(doomed.said('start').filter((id) => !completed.has(id)))
    expect([...(await sending).keys()]).toEqual([200])
    await vi.waitFor(() => expect(f.handled().size).toBe(unique), {
      timeout: 60_000,
      interval: 100,
    })

    // Runs that started twice: the killed worker's jobs, taken over after stall detection.
    const starts = [...doomed.said('start'), ...survivor.said('start')]
    const restarted = new Set(starts.filter((id, i) => starts.indexOf(id) !== i))
    // On a loaded machine a live worker's lock renewal can come late too: BullMQ's stall check
    // then runs that job again, which the kill did not cause. Such a job is one the survivor
    // had started before its stall check moved it, or one moved before the kill.
    const lapsed = new Set(
      [...doomed.lines, ...survivor.lines]
        .filter((l) => l.startsWith('stalled '))
        .map((l) => l.split(' '))
        .filter(([, id, at]) => {
          const stalledLine = survivor.lines.indexOf(`stalled ${id} ${at}`)
          const startedBefore = survivor.lines.indexOf(`start ${id}`)
          return Number(at) < killedAt || (startedBefore >= 0 && startedBefore < stalledLine)
        })
        .map(([, id]) => id as string),
    )
    const explained = (id: string) => inFlight.has(id) || lapsed.has(id)
    // Handlers that ran to the end twice: killed after the handler, before BullMQ recorded it.
    const twice = [...doomed.lines, ...survivor.lines]
      .filter((l) => l.startsWith('handled '))
      .map((l) => l.split(' '))
      .filter(([, key]) => (f.handled().get(key as string) ?? 0) > 1)
      .map(([, , jobId]) => jobId as string)
    expect(inFlight.size).toBeGreaterThan(8)
    expect(inFlight.size).toBeLessThanOrEqual(CONCURRENCY)
    expect(restarted.size).toBeGreaterThan(0)
    expect([...restarted].filter((id) => !explained(id))).toEqual([])
    expect(twice.filter((id) => !explained(id))).toEqual([])
    expect(Math.max(...f.handled().values())).toBeLessThanOrEqual(2)
    report(
      `SIGKILL: ${bodies.length} deliveries, ${unique} unique; the killed worker had ${inFlight.size} jobs in flight: ${restarted.size} re-run by the survivor, ${new Set(twice).size} of those ran their handler to the end twice; ${[...restarted].filter((id) => !inFlight.has(id)).length} others re-run after a live worker's lock lapsed`,
    )
  })

  it(`Redis stopped for ${OUTAGE_MS / 1000} s while sending: 503s meanwhile, then every event processed exactly once`, async () => {
    const own = await RedisServer.start()
    onTestFinished(() => own.destroy())
    // A job being handed to a worker as Redis stopped waits for its lock to lapse: a lock of
    // 2.5 outages instead of BullMQ's 30 s. Locks are renewed at half their length, so
    // running jobs keep theirs through the outage.
    const f = await fleet(['koa', 'fetch'], own, { LOCK_MS: String(OUTAGE_MS * 2.5) })
    const { bodies, unique, statuses, answeredMs, processedMs } = await sendThroughOutage(
      f,
      { stop: () => own.stop(), start: () => own.start() },
      FAULT_ENVELOPES,
      OUTAGE_MS,
    )
    expect(statuses.get(503)).toBeGreaterThan(0)
    expect([...statuses.keys()].sort()).toEqual([200, 503])
    expect(Math.max(...f.handled().values())).toBe(1)
    report(
      `outage: ${bodies.length} deliveries, ${unique} unique, answers ${JSON.stringify(Object.fromEntries(statuses))}; after the restart, all answered 2xx in ${answeredMs} ms, all processed in ${processedMs} ms`,
    )
  })
})

// docs/modes.md's guarantees table, column "a crash while the handlers run": the process
// running the handlers is SIGKILLed while they run, started again, and Inkless retries
// whatever was not answered 2xx.
describe('a crash while handlers run, per mode', { timeout: 60_000 }, () => {
  const N = 20
  const env = { HANDLER_MS: '1500', CONCURRENCY: String(N), LOCK_MS: '1000' }

  it.each([
    ['after-handlers', 0],
    ['immediately', N],
    ['queue', 0],
  ] as const)('%s: %i of 20 events lost', async (mode, lost) => {
    const bodies = Array.from({ length: N }, () => eventBody('document_signed'))
    const queue = { REDIS_URL: redis.url, QUEUE: `crash-${++queues}` }
    // In queue mode the handlers run in a worker; the receiver keeps running.
    const receiver =
      mode === 'queue'
        ? await start('bullmq-receiver.mjs', ['node'], queue, /^listening /)
        : undefined
    const startRunner = () =>
      mode === 'queue'
        ? start('bullmq-worker.mjs', [], { ...queue, ...env }, /^ready$/)
        : start('bullmq-inprocess.mjs', [mode], env, /^listening /)
    const runners = [await startRunner()]
    const url = () => (receiver ?? (runners.at(-1) as FixtureProcess)).url
    const sending = deliverAll(bodies, () => [url()], { concurrency: N })
    await vi.waitFor(() => expect((runners[0] as FixtureProcess).said('start')).toHaveLength(N), {
      timeout: 20_000,
      interval: 10,
    })
    await (runners[0] as FixtureProcess).stop('SIGKILL')
    runners.push(await startRunner())
    const statuses = await sending
    const handled = () => new Set(runners.flatMap((r) => r.said('handled')))
    if (lost === 0) {
      await vi.waitFor(() => expect(handled().size).toBe(N), { timeout: 20_000, interval: 50 })
    }
    // Every delivery was answered 2xx in the end, yet `lost` of them never ran to the end.
    expect(statuses.get(200)).toBe(N)
    expect(N - handled().size).toBe(lost)
    expect((runners[0] as FixtureProcess).said('handled')).toEqual([])
  })
})
