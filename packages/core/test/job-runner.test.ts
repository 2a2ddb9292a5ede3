import { describe, expect, it, vi } from 'vitest'
import type { DeliveryQueue, InklessEvent, QueuedDelivery } from '../src/index.js'
import { createInklessWebhooks } from '../src/index.js'
import {
  createJobRunner,
  type JobContext,
  type JobErrorContext,
  type JobResult,
  type JobRunner,
  type StoredDelivery,
  toStoredDelivery,
} from '../src/queue-worker.js'
import { eventBody, post, SECRET } from './helpers.js'

// The worker side of queue mode: what the queue packages call per job, driven here by a
// receiver storing into a plain in-memory queue, as BullMQ or pg-boss would store the job.

/** The deliveries a receiver hands its queue, as the queue stores them (JSON). */
async function received(bodies: string[], tenant?: string): Promise<StoredDelivery[]> {
  const stored: StoredDelivery[] = []
  const queue: DeliveryQueue = {
    enqueue: (delivery: QueuedDelivery) => {
      stored.push(JSON.parse(JSON.stringify(toStoredDelivery(delivery))))
      return 'queued'
    },
  }
  const receiver = createInklessWebhooks({
    secret: tenant === undefined ? SECRET : () => SECRET,
    ...(tenant === undefined ? {} : { tenant: () => tenant }),
    queue,
    onError: () => {},
  })
  for (const body of bodies) expect((await receiver.handle(post(body))).status).toBe(200)
  return stored
}

const job = (id: string, attempt = 1, attempts = 3) => ({ id, attempt, attempts })

type DeadLetter = { id: string; runs: number; result: JobResult }

/**
 * What a queue does with each result: `failed` is retried until `attempts` runs are spent,
 * `refused` and exhausted jobs go to the failed set (BullMQ's failed jobs, pg-boss's dead
 * letters). Returns that set.
 */
async function drain<C extends JobContext>(
  runner: JobRunner<C>,
  jobs: readonly StoredDelivery[],
  attempts: number,
) {
  const deadLetters: DeadLetter[] = []
  for (const [i, data] of jobs.entries()) {
    const id = `job-${i}`
    for (let attempt = 1; ; attempt++) {
      const result = await runner.run(data, job(id, attempt, attempts))
      if (result.outcome === 'processed') break
      if (result.outcome === 'refused' || attempt >= attempts) {
        deadLetters.push({ id, runs: attempt, result })
        break
      }
    }
  }
  return deadLetters
}

describe('createJobRunner: the event is rebuilt from the stored raw body', () => {
  it('the listeners get the event the receiver verified, and the context it stored', async () => {
    // Spaced as Inkless may send it: the listeners get these bytes, not a re-serialisation.
    const body = JSON.stringify(
      JSON.parse(eventBody('document_signed', { signer: { email: 'ada@example.com' } })),
      null,
      2,
    )
    const [stored] = (await received([body], 'acme')) as [StoredDelivery]
    expect(stored).not.toHaveProperty('event')
    expect(stored.rawBody).toBe(body)

    const calls: [string, InklessEvent, JobContext & { db?: string }][] = []
    const runner = createJobRunner<JobContext & { db: string }>({
      onDocumentSigned: (event, context) => void calls.push(['onDocumentSigned', event, context]),
      onEvent: (event, context) => void calls.push(['onEvent', event, context]),
    })
    const result = await runner.run(stored, job('job-1', 2, 5), { db: 'transaction' })

    expect(result).toEqual({ outcome: 'processed' })
    expect(calls.map(([name]) => name)).toEqual(['onDocumentSigned', 'onEvent'])
    const [, event, context] = calls[0] as (typeof calls)[0]
    expect(event).toEqual(JSON.parse(body))
    expect(context).toEqual({
      db: 'transaction',
      dedupeKey: stored.dedupeKey,
      rawBody: body,
      headers: {},
      receivedAt: stored.receivedAt,
      tenant: 'acme',
      attempt: 2,
      jobId: 'job-1',
    })
  })

  it('on(), onAny() and off() as on the receiver; unknown events reach onUnknownEvent only', async () => {
    const [signed, unknown] = (await received([
      eventBody('document_signed'),
      eventBody('contract_archived'),
    ])) as [StoredDelivery, StoredDelivery]
    const seen: string[] = []
    const runner = createJobRunner({
      onUnknownEvent: (event) => void seen.push(`onUnknownEvent ${event.event}`),
    })
    const named = (event: { event: string }) => void seen.push(`on ${event.event}`)
    const any = (event: InklessEvent) => void seen.push(`onAny ${event.event}`)
    const removeNamed = runner.on(['document_signed', 'document_complete'], named)
    runner.onAny(any)
    await runner.run(signed, job('a'))
    await runner.run(unknown, job('b'))
    removeNamed()
    runner.offAny(any)
    await runner.run(signed, job('c'))
    runner.on('document_signed', named)
    runner.off('document_signed', named)
    await runner.run(signed, job('d'))
    expect(seen).toEqual([
      'on document_signed',
      'onAny document_signed',
      'onUnknownEvent contract_archived',
    ])
  })

  it('a misspelt callback is refused when the worker is created', () => {
    expect(() => createJobRunner({ onDocumentSign: () => {} } as never)).toThrow(
      /^inkless-webhooks: unknown option "onDocumentSign"/,
    )
  })
})

describe('createJobRunner: a job is checked before any listener runs', () => {
  it('refuses what is not a stored delivery, naming why; never retried, no listener runs', async () => {
    const [stored] = (await received([eventBody()])) as [StoredDelivery]
    const [other] = (await received([eventBody('document_complete')])) as [StoredDelivery]
    const [tenants] = (await received([eventBody()], 'acme')) as [StoredDelivery]
    const cases: [unknown, string][] = [
      [null, 'it holds no Inkless delivery'],
      ['a string', 'it holds no Inkless delivery'],
      [{ ...stored, rawBody: undefined }, 'it holds no Inkless delivery (no rawBody)'],
      [{ ...stored, dedupeKey: 'short' }, 'its dedupeKey is not a dedupe key'],
      [{ ...stored, dedupeKey: 7 }, 'its dedupeKey is not a dedupe key'],
      [{ ...stored, receivedAt: '2026-03-11' }, 'its receivedAt is not a number'],
      [{ ...stored, tenant: 42 }, 'its tenant is not a string'],
      [{ ...stored, rawBody: '{"event":' }, 'its rawBody is not an Inkless event ('],
      [
        { ...stored, rawBody: JSON.stringify({ verification_secret: 'v' }) },
        'its rawBody is a handshake, not an event',
      ],
      // Bytes swapped under a job id, or a tenant changed: the key no longer derives from them.
      [{ ...stored, rawBody: other.rawBody }, 'its rawBody does not match its dedupeKey'],
      [{ ...tenants, tenant: 'globex' }, 'its rawBody does not match its dedupeKey'],
    ]
    const reports: [Error, JobErrorContext][] = []
    const listener = vi.fn()
    const runner = createJobRunner({
      onEvent: listener,
      onUnknownEvent: listener,
      onError: (error, context) => void reports.push([error, context]),
    })
    const deadLetters = await drain(
      runner,
      cases.map(([data]) => data as StoredDelivery),
      3,
    )
    expect(listener).not.toHaveBeenCalled()
    expect(deadLetters.map(({ runs, result }) => [runs, result.outcome])).toEqual(
      cases.map(() => [1, 'refused']),
    )
    for (const [i, [, why]] of cases.entries()) {
      const { result } = deadLetters[i] as (typeof deadLetters)[0]
      const error = (result as Extract<JobResult, { outcome: 'refused' }>).error
      expect(error.code).toBe('job_refused')
      expect(error.message).toContain(`Job job-${i} was refused: ${why}`)
      expect(reports[i]).toEqual([
        error,
        { jobId: `job-${i}`, attempt: 1, attempts: 3, final: true },
      ])
    }
    // The untouched jobs run.
    expect(await drain(runner, [stored, other, tenants], 3)).toEqual([])
    expect(listener).toHaveBeenCalledTimes(3)
  })
})

describe('createJobRunner: failing listeners', () => {
  it('a throwing listener fails the run, naming it; the others still run; retried until it passes', async () => {
    const [stored] = (await received([eventBody()])) as [StoredDelivery]
    const attempts: number[] = []
    const reports: [Error, JobErrorContext][] = []
    const runner = createJobRunner({
      onDocumentSigned: async (_event, { attempt }) => {
        if (attempt < 3) throw new Error(`CRM down (attempt ${attempt})`)
      },
      onEvent: (_event, { attempt }) => void attempts.push(attempt),
      onError: (error, context) => void reports.push([error, context]),
    })
    expect(await drain(runner, [stored], 3)).toEqual([])
    expect(attempts).toEqual([1, 2, 3])
    expect(
      reports.map(([error, context]) => [error.message, context.attempt, context.final]),
    ).toEqual([
      [
        '1 listener(s) failed for "document_signed": onDocumentSigned (CRM down (attempt 1))',
        1,
        false,
      ],
      [
        '1 listener(s) failed for "document_signed": onDocumentSigned (CRM down (attempt 2))',
        2,
        false,
      ],
    ])
    const [, context] = reports[0] as (typeof reports)[0]
    expect(context).toMatchObject({
      dedupeKey: stored.dedupeKey,
      listeners: ['onDocumentSigned'],
      jobId: 'job-0',
      attempts: 3,
    })
    expect(context.event?.event).toBe('document_signed')
  })

  it('listeners failing on every run: the last run is reported final and the job is dead-lettered', async () => {
    const [stored] = (await received([eventBody()], 'acme')) as [StoredDelivery]
    const logged: [string, Record<string, unknown>, string][] = []
    const log = (level: string) => (fields: object, message: string) =>
      void logged.push([level, fields as Record<string, unknown>, message])
    const runner = createJobRunner({
      onDocumentSigned: () => {
        throw new TypeError('bad mapping')
      },
      onEvent: () => Promise.reject('not an Error'),
      logger: { error: log('error'), warn: log('warn') },
    })
    const [dead] = (await drain(runner, [stored], 2)) as [DeadLetter]
    expect(dead.runs).toBe(2)
    const error = (dead.result as Extract<JobResult, { outcome: 'failed' }>).error
    expect(error.name).toBe('InklessHandlerError')
    expect(error.failures.map((f) => f.listener)).toEqual(['onDocumentSigned', 'onEvent'])
    expect(error.message).toBe(
      '2 listener(s) failed for "document_signed": onDocumentSigned (bad mapping), onEvent (not an Error)',
    )
    expect(
      logged.map(([level, { jobId, attempt, attempts, final, tenant, code }]) => [
        level,
        { jobId, attempt, attempts, final, tenant, code },
      ]),
    ).toEqual([
      [
        'error',
        {
          jobId: 'job-0',
          attempt: 1,
          attempts: 2,
          final: false,
          tenant: 'acme',
          code: 'handler_failed',
        },
      ],
      [
        'error',
        {
          jobId: 'job-0',
          attempt: 2,
          attempts: 2,
          final: true,
          tenant: 'acme',
          code: 'handler_failed',
        },
      ],
    ])
  })

  it("report(): the worker's own errors go to onError and the logger, at the level given", () => {
    const reports: unknown[][] = []
    const logged: unknown[][] = []
    const runner = createJobRunner({
      onError: (error, context) => void reports.push([error.message, context]),
      logger: {
        error: (fields, message) => void logged.push(['error', message, fields]),
        warn: (fields, message) => void logged.push(['warn', message, fields]),
      },
    })
    runner.report(new Error('Redis connection lost'))
    runner.report(new Error('Redis back'), { jobId: 'job-9', attempt: 1 }, 'warn')
    expect(reports).toEqual([
      ['Redis connection lost', {}],
      ['Redis back', { jobId: 'job-9', attempt: 1 }],
    ])
    expect(logged.map(([level, message]) => [level, message])).toEqual([
      ['error', 'Redis connection lost'],
      ['warn', 'Redis back'],
    ])
    expect(logged[1]?.[2]).toMatchObject({ jobId: 'job-9', attempt: 1, code: 'internal' })
  })
})
