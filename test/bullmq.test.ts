// Queue mode in one process, against a real redis-server and real BullMQ: what the receiver
// answers and stores, and what the worker runs, retries, keeps and gives up on.
import {
  createInklessQueue,
  createInklessWorker,
  type InklessJobData,
  type InklessQueueOptions,
  type InklessWorkerOptions,
  inklessQueue,
  type JobContext,
  jobIdOf,
} from '@inkless-webhooks/bullmq'
import { createInklessWebhooks, InklessHandlerError } from '@inkless-webhooks/core'
import { type Job, Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { freePort } from './support/ports.js'
import { RedisServer } from './support/redis.js'
import { targets } from './support/targets.js'

let redis: RedisServer
const cleanup: (() => Promise<unknown>)[] = []
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()))
})
afterAll(async () => {
  await redis.destroy()
})

let names = 0
const nextName = () => `inkless-test-${++names}`
const connectionTo = (server: RedisServer) => ({ host: '127.0.0.1', port: server.port })

function queueOn(name: string, connection: object = connectionTo(redis)) {
  const queue = new Queue(name, { connection })
  queue.on('error', () => {})
  cleanup.push(() => queue.close())
  return queue
}

/** A receiver (core's handle(), as every adapter calls it) storing into a fresh queue. */
function receiver(options: InklessQueueOptions = {}, queue = queueOn(nextName())) {
  const onError = vi.fn()
  const webhooks = createInklessWebhooks({
    secret: SECRET,
    queue: inklessQueue(queue, options),
    onError,
  })
  const deliver = (body: string) =>
    webhooks.handle({ method: 'POST', headers: signed(body), rawBody: body })
  return { queue, deliver, onError }
}

function workerFor(queue: Queue, options: Partial<InklessWorkerOptions> = {}) {
  const worker = createInklessWorker({
    connection: connectionTo(redis),
    queueName: queue.name,
    onError: () => {},
    ...options,
  })
  cleanup.unshift(() => worker.close())
  return worker
}

const stateOf = (queue: Queue, body: string) =>
  queue.getJobs().then((jobs) => jobs.find((j) => j.data.rawBody === body))

describe('receiver: inklessQueue', () => {
  it.each(targets.map((t) => [t.name, t] as const))(
    '%s: 200 once the job is stored, 200 duplicate for the same delivery, one job',
    async (_name, target) => {
      const queue = queueOn(nextName())
      const app = await target.start({
        secret: SECRET,
        onError: () => {},
        queue: inklessQueue(queue),
      })
      cleanup.push(() => app.close())
      const body = eventBody('document_signed')
      const first = await app.send({ headers: signed(body), body })
      const again = await app.send({ headers: signed(body), body })
      expect([first.status, first.body, again.status, again.body]).toEqual([
        200,
        'ok',
        200,
        'duplicate',
      ])
      const jobs = await queue.getWaiting()
      expect(jobs).toHaveLength(1)
      const [job] = jobs
      expect(job?.name).toBe('document_signed')
      expect(job?.id).toBe(jobIdOf(job?.data.dedupeKey))
      // The bytes once: the worker parses them again, so the job holds no parsed event.
      expect(Object.keys(job?.data ?? {}).sort()).toEqual([
        'dedupeKey',
        'rawBody',
        'receipt',
        'receivedAt',
      ])
      expect(job?.data).toMatchObject({ rawBody: body })
      expect(job?.data.dedupeKey).toMatch(/^[\w-]{43}$/)
    },
  )

  it('event callbacks beside `queue` are a TypeError pointing at the worker', () => {
    const queue = inklessQueue(queueOn(nextName()))
    expect(() =>
      createInklessWebhooks({ secret: SECRET, queue, onDocumentSigned: () => {} }),
    ).toThrow(/createInklessWorker/)
    expect(() =>
      createInklessWebhooks({ secret: SECRET, queue }).on('link_viewed', () => {}),
    ).toThrow(/createInklessWorker/)
  })

  it('receivers racing the same delivery store one job: exactly one answers ok', async () => {
    const name = nextName()
    const receivers = Array.from({ length: 6 }, () => receiver({}, queueOn(name)))
    const bodies = Array.from({ length: 30 }, () => eventBody('link_viewed'))
    for (const body of bodies) {
      const answers = await Promise.all(receivers.map((r) => r.deliver(body)))
      expect(answers.map((a) => a.status)).toEqual(receivers.map(() => 200))
      expect(answers.filter((a) => a.body === 'ok')).toHaveLength(1)
    }
    expect(await receivers[0]?.queue.getWaitingCount()).toBe(bodies.length)
  })

  it('deliveries arriving together share one add: each stored once, repeats and stored ones answered duplicate', async () => {
    const { queue, deliver } = receiver()
    const stored = Array.from({ length: 4 }, () => eventBody('link_viewed'))
    for (const body of stored) expect((await deliver(body)).body).toBe('ok')
    const fresh = Array.from({ length: 24 }, () => eventBody('link_viewed'))
    // One turn of the event loop: the receiver stores them in one batch, in this order.
    const answers = await Promise.all(
      [...fresh, ...stored, ...fresh.slice(0, 8)].map((body) => deliver(body)),
    )
    expect(answers.map((a) => `${a.status} ${a.body}`)).toEqual([
      ...fresh.map(() => '200 ok'),
      ...Array.from({ length: 12 }, () => '200 duplicate'),
    ])
    const jobs = await queue.getWaiting()
    expect(jobs.map((j) => j.data.rawBody).sort()).toEqual([...stored, ...fresh].sort())
  })

  it('Redis unreachable: 503 queue unavailable with Retry-After, onError, within timeoutMs', async () => {
    const gone = { host: '127.0.0.1', port: await freePort() }
    for (const connection of [gone, { ...gone, enableOfflineQueue: false }]) {
      const { deliver, onError } = receiver({ timeoutMs: 300 }, queueOn(nextName(), connection))
      const answer = await deliver(eventBody())
      expect(answer).toMatchObject({ status: 503, body: 'queue unavailable' })
      expect(answer.headers['retry-after']).toBe('5')
      // Every delivery fails while the outage lasts: reported once, then counted each minute.
      for (let i = 0; i < 20; i++) expect((await deliver(eventBody())).status).toBe(503)
      expect(onError.mock.calls.map(([error]) => [error.code, error.message])).toEqual([
        [
          'queue_unavailable',
          expect.stringMatching(/^1 request\(s\) answered 503 because the queue/),
        ],
      ])
    }
  })

  it('Redis paused past timeoutMs: 503; the add lands when it resumes, so the retry is a duplicate, run once', async () => {
    const own = await RedisServer.start()
    cleanup.push(() => own.destroy())
    const queue = queueOn(nextName(), connectionTo(own))
    await queue.waitUntilReady()
    const { deliver } = receiver({ timeoutMs: 300 }, queue)
    const body = eventBody()
    own.pause()
    expect((await deliver(body)).status).toBe(503)
    own.resume()
    // The late add lands; Inkless's retry is then a duplicate. It reaches a receiver on the
    // same queue with a timeout no loaded machine reaches (a 300 ms one may answer 503 again).
    await vi.waitFor(async () => expect(await queue.count()).toBe(1))
    const retry = await receiver({ timeoutMs: 30_000 }, queue).deliver(body)
    expect(retry).toMatchObject({ status: 200, body: 'duplicate' })
    const onEvent = vi.fn()
    const worker = createInklessWorker({
      connection: connectionTo(own),
      queueName: queue.name,
      onEvent,
    })
    cleanup.unshift(() => worker.close())
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(1))
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('stores each job with 8 attempts, exponential backoff from 1 s, completed kept 24 h, failed kept', async () => {
    const { queue, deliver } = receiver()
    const body = eventBody()
    await deliver(body)
    expect((await stateOf(queue, body))?.opts).toMatchObject({
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 86_400 },
      removeOnFail: false,
    })
    expect(() => inklessQueue(queue, { attempts: 0 })).toThrow(
      /attempts must be a positive integer/,
    )
  })

  it('createInklessQueue keeps completed jobs dedupeWindowMs (whole seconds for BullMQ); the old names still work', async () => {
    expect(inklessQueue).toBe(createInklessQueue)
    const queue = queueOn(nextName())
    const a = eventBody('link_viewed')
    const b = eventBody('document_signed')
    await receiver({ dedupeWindowMs: 3_600_000 }, queue).deliver(a)
    await receiver({ dedupeWindowSeconds: 60 }, queue).deliver(b)
    expect((await stateOf(queue, a))?.opts.removeOnComplete).toEqual({ age: 3600 })
    expect((await stateOf(queue, b))?.opts.removeOnComplete).toEqual({ age: 60 })
    expect(() =>
      createInklessQueue(queue, { dedupeWindowMs: 60_000, dedupeWindowSeconds: 60 }),
    ).toThrow(/^inkless-webhooks: dedupeWindowMs and dedupeWindowSeconds are one option/)
  })
})

describe('worker: createInklessWorker', () => {
  it('runs the typed callback, on() and onAny() listeners with the delivery and its context', async () => {
    const { queue, deliver } = receiver()
    const calls: [string, unknown, JobContext][] = []
    const worker = workerFor(queue, {
      onDocumentSigned: (event, context) => {
        calls.push(['onDocumentSigned', event.secure_link_id, context])
      },
    })
    worker.on('document_signed', (event, context) => {
      calls.push(['on', event.document_token, context])
    })
    worker.onAny((event, context) => {
      calls.push(['onAny', event.event, context])
    })
    const body = eventBody('document_signed')
    await deliver(body)
    await vi.waitFor(() => expect(calls).toHaveLength(3))
    const [[, linkId, context]] = calls as [[string, unknown, JobContext]]
    expect(linkId).toBe(271)
    expect(calls.map(([name]) => name).sort()).toEqual(['on', 'onAny', 'onDocumentSigned'])
    expect(context).toMatchObject({ rawBody: body, attempt: 1, headers: {} })
    expect(context.jobId).toBe(jobIdOf(context.dedupeKey))
    expect(context.receivedAt).toBeTypeOf('number')
  })

  it('a misspelt callback is a TypeError at runtime too', () => {
    const options = { connection: connectionTo(redis), onDocumentSignd: () => {} }
    expect(() => createInklessWorker(options as InklessWorkerOptions)).toThrow(
      /unknown option "onDocumentSignd"/,
    )
  })

  it('an unknown option is a TypeError naming the one it is close to (before: ignored)', () => {
    const create = (extra: object) => () =>
      createInklessWorker({ connection: connectionTo(redis), ...extra } as InklessWorkerOptions)
    expect(create({ concurency: 2 })).toThrow(
      'inkless-webhooks: unknown option "concurency"; did you mean "concurrency"?',
    )
    expect(create({ closeTimeout: 5000 })).toThrow(
      'inkless-webhooks: unknown option "closeTimeout"; did you mean "closeTimeoutMs"?',
    )
    expect(create({ ratelimit: { max: 1, durationMs: 1000 } })).toThrow('did you mean "rateLimit"?')
    // BullMQ's own limiter says `duration`: ours would quietly be 1 ms, no limit at all.
    expect(create({ rateLimit: { max: 1, duration: 1000 } })).toThrow(
      'inkless-webhooks: unknown option "rateLimit.duration"; did you mean "rateLimit.durationMs"?',
    )
  })

  it('a handler failing its first two attempts is processed on the third; onError hears each failure', async () => {
    const { queue, deliver } = receiver({ backoff: { type: 'fixed', delay: 20 } })
    const attempts: number[] = []
    const onError = vi.fn()
    workerFor(queue, {
      onError,
      onEnvelopeComplete: (_event, { attempt }) => {
        attempts.push(attempt)
        if (attempt < 3) throw new Error(`CRM timed out (attempt ${attempt})`)
      },
    })
    const body = eventBody('envelope_complete')
    await deliver(body)
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(1))
    expect(attempts).toEqual([1, 2, 3])
    expect(onError.mock.calls.map(([error, context]) => [error.constructor, context])).toEqual([
      [InklessHandlerError, expect.objectContaining({ attempt: 1, attempts: 8, final: false })],
      [InklessHandlerError, expect.objectContaining({ attempt: 2, attempts: 8, final: false })],
    ])
    expect(onError.mock.calls[0]?.[0].message).toMatch(
      /onEnvelopeComplete \(CRM timed out \(attempt 1\)\)/,
    )
    expect((await stateOf(queue, body))?.attemptsMade).toBe(3)
  })

  it('a handler that always fails ends in the failed set with every attempt; a duplicate leaves it there; job.retry() processes it', async () => {
    const { queue, deliver } = receiver({ attempts: 3, backoff: { type: 'fixed', delay: 20 } })
    let crmUp = false
    const onError = vi.fn()
    const onDocumentComplete = vi.fn(() => {
      if (!crmUp) throw new Error('CRM down')
    })
    workerFor(queue, { onError, onDocumentComplete })
    const body = eventBody('document_complete')
    await deliver(body)
    await vi.waitFor(async () => expect(await queue.getFailedCount()).toBe(1))
    const [failed] = await queue.getFailed()
    expect(failed?.attemptsMade).toBe(3)
    expect(failed?.stacktrace).toHaveLength(3)
    expect(failed?.failedReason).toMatch(/onDocumentComplete \(CRM down\)/)
    expect(onError.mock.calls.map(([, c]) => [c.attempt, c.final])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ])
    // Inkless delivering it again does not resurrect a dead letter: that is the operator's call.
    expect(await deliver(body)).toMatchObject({ status: 200, body: 'duplicate' })
    expect(await queue.getJobState(failed?.id as string)).toBe('failed')
    expect(onDocumentComplete).toHaveBeenCalledTimes(3)

    crmUp = true
    await failed?.retry()
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(1))
    expect(onDocumentComplete).toHaveBeenCalledTimes(4)
    expect(await queue.getFailedCount()).toBe(0)
  })

  it('a job that is not a delivery a receiver stored is refused: no listener runs, failed set at once, the reason said', async () => {
    // What someone with write access to Redis, or a bug elsewhere, could put in the queue.
    const { queue, deliver } = receiver()
    const genuine = eventBody('document_signed')
    await deliver(genuine)
    const [stored] = (await queue.getWaiting()) as [Job<InklessJobData>]
    const { dedupeKey, receivedAt } = stored.data
    const tampered = JSON.stringify({ ...JSON.parse(genuine), document_token: 1 })
    const otherDocument = JSON.stringify({ ...JSON.parse(genuine), document_token: 'zz9' })
    const injected: [string, unknown, RegExp][] = [
      ['hand-made', { hello: 'world' }, /holds no Inkless delivery/],
      [
        'not-json',
        { rawBody: 'not even json', dedupeKey, receivedAt },
        /not an Inkless event \(body is not valid UTF-8 JSON\)/,
      ],
      [
        'typed-wrong',
        { rawBody: tampered, dedupeKey, receivedAt },
        /"document_token" must be a string/,
      ],
      [
        'other-body',
        { rawBody: otherDocument, dedupeKey, receivedAt },
        /does not match its dedupeKey/,
      ],
      [
        'other-tenant',
        { rawBody: genuine, dedupeKey, receivedAt, tenant: 'acme' },
        /does not match its dedupeKey/,
      ],
      [
        'bad-key',
        { rawBody: genuine, dedupeKey: 'x', receivedAt },
        /dedupeKey is not a dedupe key/,
      ],
    ]
    await stored.remove()
    for (const [name, data] of injected) await queue.add(name, data as never, { attempts: 5 })
    const onError = vi.fn()
    const ran = vi.fn()
    workerFor(queue, { onError, onEvent: ran, onDocumentSigned: ran })
    await vi.waitFor(async () => expect(await queue.getFailedCount()).toBe(injected.length))
    expect(ran).not.toHaveBeenCalled()
    const failed = await queue.getFailed()
    for (const [name, , reason] of injected) {
      const job = failed.find((j) => j.name === name)
      expect(job?.attemptsMade).toBe(1)
      expect(job?.failedReason).toMatch(reason)
      expect(job?.failedReason).toMatch(/no listener ran/)
    }
    expect(onError.mock.calls.map(([error, context]) => [error.code, context.final])).toEqual(
      injected.map(() => ['job_refused', true]),
    )
    // The genuine delivery, stored again by its receiver, runs.
    await deliver(genuine)
    await vi.waitFor(() => expect(ran).toHaveBeenCalledTimes(2))
  })

  it('a job stored with its parsed event (an older receiver) runs from its raw body', async () => {
    const { queue, deliver } = receiver()
    const body = eventBody('otp_sent')
    await deliver(body)
    const [job] = await queue.getWaiting()
    // The parsed event is ignored: a forged one beside the genuine bytes changes nothing.
    await job?.updateData({
      ...(job.data as InklessJobData),
      event: { event: 'document_signed', document_token: 1 },
    } as never)
    const calls: string[] = []
    workerFor(queue, { onEvent: (event) => void calls.push(event.event) })
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(1))
    expect(calls).toEqual(['otp_sent'])
  })

  it('a processed delivery is a duplicate within dedupeWindowSeconds, and runs again after it', async () => {
    const { queue, deliver } = receiver({ dedupeWindowSeconds: 1 })
    const onEvent = vi.fn()
    workerFor(queue, { onEvent })
    const body = eventBody()
    await deliver(body)
    await vi.waitFor(() => expect(onEvent).toHaveBeenCalledTimes(1))
    expect(await deliver(body)).toMatchObject({ status: 200, body: 'duplicate' })
    await new Promise((r) => setTimeout(r, 1100))
    // BullMQ removes jobs past their age when another job completes.
    await deliver(eventBody())
    await vi.waitFor(() => expect(onEvent).toHaveBeenCalledTimes(2))
    expect(await deliver(body)).toMatchObject({ status: 200, body: 'ok' })
    await vi.waitFor(() => expect(onEvent).toHaveBeenCalledTimes(3))
  })

  it('rateLimit: at most max jobs start per durationMs, across workers (BullMQ limiter)', async () => {
    const { queue, deliver } = receiver()
    const started: string[] = []
    const options = {
      rateLimit: { max: 2, durationMs: 400 },
      concurrency: 8,
      onLinkViewed: () => void started.push('link_viewed'),
    }
    // All 8 wait before the workers start: without the limiter they start within a few ms.
    for (let i = 0; i < 8; i++) await deliver(eventBody('link_viewed'))
    workerFor(queue, options)
    workerFor(queue, options)
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(8), {
      timeout: 10_000,
    })
    // When each job started on Redis's clock: the id of its 'active' event, written by the
    // script that counts it against the limiter (a job's processedOn is the worker's clock
    // before the call, late or early by however long a loaded worker takes to send it).
    const client = new Redis(connectionTo(redis))
    const events = await client.xrange(queue.toKey('events'), '-', '+').finally(() => client.quit())
    const starts = events
      .filter(([, fields]) => fields[0] === 'event' && fields[1] === 'active')
      .map(([id]) => Number(id.split('-')[0]))
    // BullMQ's limiter is a fixed window: max starts, then none until durationMs after the
    // window's first. So 8 starts span at least 3 windows, and any 5 in a row (2 max + 1)
    // reach into a third window: more than durationMs apart.
    const crowded = starts.filter((at, i) => (starts[i + 4] ?? Infinity) - at < 400)
    expect([started.length, starts.length, crowded]).toEqual([8, 8, []])
    expect((starts.at(-1) as number) - (starts[0] as number)).toBeGreaterThanOrEqual(3 * 400)
  })

  it('failedRetentionMs: a failed job is removed once older than the retention', async () => {
    const { queue, deliver } = receiver({ attempts: 1, failedRetentionMs: 1000 })
    workerFor(queue, {
      onDocumentComplete: () => {
        throw new Error('CRM down')
      },
    })
    const first = eventBody('document_complete')
    await deliver(first)
    await vi.waitFor(async () => expect(await queue.getFailedCount()).toBe(1))
    expect((await queue.getFailed())[0]?.opts.removeOnFail).toEqual({ age: 1 })
    await new Promise((r) => setTimeout(r, 1100))
    // BullMQ removes aged failed jobs when another job fails.
    await deliver(eventBody('document_complete'))
    await vi.waitFor(async () => {
      const failed = await queue.getFailed()
      expect(failed.map((j) => j.data.rawBody)).not.toContain(first)
      expect(failed).toHaveLength(1)
    })
  })

  it('close() under load finishes the running jobs and takes no new ones: none lost, none left active', async () => {
    const { queue, deliver } = receiver()
    const bodies = Array.from({ length: 300 }, () => eventBody('link_viewed'))
    for (const body of bodies) await deliver(body)
    const started = new Set<string>()
    const finished = new Set<string>()
    let runs = 0
    const handle = async (_event: unknown, { jobId }: JobContext) => {
      runs++
      started.add(jobId)
      await new Promise((r) => setTimeout(r, 10))
      finished.add(jobId)
    }
    const first = createInklessWorker({
      connection: connectionTo(redis),
      queueName: queue.name,
      concurrency: 16,
      onLinkViewed: handle,
    })
    await vi.waitFor(() => expect(finished.size).toBeGreaterThan(50))
    await first.close()
    expect(started).toEqual(finished)
    const counts = await queue.getJobCounts('active', 'completed', 'waiting', 'delayed', 'failed')
    expect(counts).toMatchObject({ active: 0, delayed: 0, failed: 0, completed: finished.size })
    expect(counts.waiting).toBe(bodies.length - finished.size)
    expect(counts.waiting).toBeGreaterThan(0)

    workerFor(queue, { concurrency: 16, onLinkViewed: handle })
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(bodies.length), {
      timeout: 10_000,
    })
    expect([finished.size, runs]).toEqual([bodies.length, bodies.length])
  })
})
