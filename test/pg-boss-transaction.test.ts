// A pg-boss worker with `transactional`: a job's listeners write through `context.db`, in the
// transaction pg-boss completes the job in, with @inkless-webhooks/postgres's delivery row.
// Against a real PostgreSQL: a listener that writes, then throws on its first attempt.
import { createInklessWebhooks } from '@inkless-webhooks/core'
import {
  createInklessQueue,
  createInklessWorker,
  type InklessWorkerOptions,
  type InklessWorkOptions,
} from '@inkless-webhooks/pg-boss'
import pg from 'pg'
import { PgBoss } from 'pg-boss'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { PostgresServer } from './support/postgres.js'

let postgres: PostgresServer
let pool: pg.Pool
beforeAll(async () => {
  postgres = await PostgresServer.start()
  pool = new pg.Pool({ connectionString: postgres.url })
  await pool.query('CREATE TABLE effects (dedupe_key text, attempt int)')
})
afterAll(async () => {
  await pool.end()
  await postgres.destroy()
})

let queues = 0
/** A receiver's queue and a worker on one `PgBoss`; `write` records the listener's effect. */
async function setup(
  transactional: boolean,
  write: (dedupeKey: string, attempt: number, db?: { query: pg.Pool['query'] }) => unknown,
) {
  const queueName = `tx-${++queues}`
  const boss = new PgBoss({ connectionString: postgres.url, superviseIntervalSeconds: 1 })
  const listener = async (
    _event: unknown,
    context: { dedupeKey: string; attempt: number; db?: unknown },
  ) => {
    await write(context.dedupeKey, context.attempt, context.db as never)
    if (context.attempt === 1) throw new Error('the CRM timed out')
  }
  const errors: string[] = []
  const common = {
    boss,
    queueName,
    signals: false as const,
    onError: (error: Error) => errors.push(error.message),
  }
  const worker = transactional
    ? await createInklessWorker({ ...common, transactional: true, onDocumentSigned: listener })
    : await createInklessWorker({ ...common, onDocumentSigned: listener })
  onTestFinished(() => worker.close())
  const webhooks = createInklessWebhooks({
    secret: SECRET,
    queue: createInklessQueue(boss, { queueName, retryDelayMs: 1000 }),
  })
  const deliver = async (body: string) => {
    const res = await webhooks.handle({ method: 'POST', headers: signed(body), rawBody: body })
    expect(res.status).toBe(200)
  }
  const effects = async () =>
    (await pool.query('SELECT attempt FROM effects ORDER BY attempt')).rows.map((r) => r.attempt)
  const completed = async () =>
    (await boss.findJobs(queueName)).filter((j) => j.state === 'completed').length
  return { boss, queueName, deliver, effects, completed, errors }
}

describe('a pg-boss worker, listeners writing then throwing on the first attempt', {
  timeout: 60_000,
}, () => {
  it('transactional: the first attempt’s write is rolled back with it; the retry’s commits with the job', async () => {
    await pool.query('TRUNCATE effects')
    const t = await setup(true, (key, attempt, db) =>
      db?.query('INSERT INTO effects VALUES ($1, $2)', [key, attempt]),
    )
    await t.deliver(eventBody('document_signed'))
    await vi.waitFor(async () => expect(await t.completed()).toBe(1), { timeout: 30_000 })
    expect(await t.effects()).toEqual([2])
    expect(t.errors).toHaveLength(1)
    const rows = await pool.query('SELECT count(*)::int AS n FROM inkless_webhook_deliveries')
    expect(rows.rows[0].n).toBe(1)
  })

  it('without it, each attempt’s write stays: the retry writes again', async () => {
    await pool.query('TRUNCATE effects')
    const t = await setup(false, (key, attempt) =>
      pool.query('INSERT INTO effects VALUES ($1, $2)', [key, attempt]),
    )
    await t.deliver(eventBody('document_signed'))
    await vi.waitFor(async () => expect(await t.completed()).toBe(1), { timeout: 30_000 })
    expect(await t.effects()).toEqual([1, 2])
  })

  it('transactional: a second job of a delivery already committed completes without running the listeners', async () => {
    await pool.query('TRUNCATE effects')
    const t = await setup(true, (key, attempt, db) =>
      db?.query('INSERT INTO effects VALUES ($1, $2)', [key, attempt]),
    )
    const body = eventBody('document_signed')
    await t.deliver(body)
    await vi.waitFor(async () => expect(await t.completed()).toBe(1), { timeout: 30_000 })
    // The same delivery as a new job (its first job deleted after the dedupe window, say).
    const [first] = await t.boss.findJobs(t.queueName)
    await t.boss.send(t.queueName, first?.data as object)
    await vi.waitFor(async () => expect(await t.completed()).toBe(2), { timeout: 30_000 })
    expect(await t.effects()).toEqual([2])
  })
})

describe('a pg-boss worker’s options', () => {
  it('an unknown option rejects, naming the one it is close to, before pg-boss starts (before: ignored)', async () => {
    const boss = new PgBoss({ connectionString: postgres.url })
    const start = (extra: object) =>
      createInklessWorker({ boss, signals: false, ...extra } as InklessWorkerOptions)
    await expect(start({ transactionl: true })).rejects.toThrow(
      'inkless-webhooks: unknown option "transactionl"; did you mean "transactional"?',
    )
    await expect(start({ queue: 'inkless' })).rejects.toThrow(
      'inkless-webhooks: unknown option "queue"; did you mean "queueName"?',
    )
    await expect(start({ closeTimeout: 5000 })).rejects.toThrow('did you mean "closeTimeoutMs"?')
    // pg-boss's own work() options are not ours: a seconds name we do not take, a misspelling.
    await expect(start({ work: { pollingInterval: 1000 } })).rejects.toThrow(
      'inkless-webhooks: unknown option "work.pollingInterval"; did you mean "work.pollingIntervalMs"?',
    )
    await expect(start({ work: { batchsize: 1 } })).rejects.toThrow(
      'did you mean "work.batchSize"?',
    )
  })
})

describe('a pg-boss worker’s work options', { timeout: 60_000 }, () => {
  const start = (work: InklessWorkOptions) =>
    createInklessWorker({
      boss: new PgBoss({ connectionString: postgres.url }),
      queueName: `work-${++queues}`,
      signals: false,
      work,
    })
  // What the worker gave pg-boss's work(): the same for each of its loops.
  const passed = (boss: PgBoss) => {
    const options = boss.getWipData().map((w) => w.options)
    expect(options.length).toBeGreaterThan(0)
    expect(new Set(options.map((o) => JSON.stringify(o))).size).toBe(1)
    return options[0]
  }

  it('durations in ms, given to pg-boss in seconds; the deprecated seconds mean the same', async () => {
    const worker = await start({ pollingIntervalMs: 750, notifyPollingIntervalMs: 2500 })
    onTestFinished(() => worker.close())
    expect(passed(worker.boss)).toMatchObject({
      batchSize: 4,
      localConcurrency: 2,
      pollingIntervalSeconds: 0.75,
      notifyPollingIntervalSeconds: 2.5,
    })
    const old = await start({ pollingIntervalSeconds: 1, batchSize: 2 })
    onTestFinished(() => old.close())
    expect(passed(old.boss)).toMatchObject({ batchSize: 2, pollingIntervalSeconds: 1 })
    expect(passed(old.boss)).not.toHaveProperty('notifyPollingIntervalSeconds')
  })

  it('both names of one option, or a poll under 500 ms: a TypeError naming it, before pg-boss starts', async () => {
    await expect(start({ pollingIntervalMs: 1000, pollingIntervalSeconds: 1 })).rejects.toThrow(
      /^inkless-webhooks: pollingIntervalMs and pollingIntervalSeconds are one option/,
    )
    await expect(start({ pollingIntervalMs: 100 })).rejects.toThrow(
      /^inkless-webhooks: work\.pollingIntervalMs must be at least 500 \(got 100\)/,
    )
    await expect(start({ heartbeatRefreshMs: -1 })).rejects.toThrow(
      /^inkless-webhooks: heartbeatRefreshMs must be a positive number/,
    )
  })
})
