import type { DeliveryQueue, QueuedDelivery } from '@inkless-webhooks/core'
import { positiveOption } from '@inkless-webhooks/core/adapter'
import { createOutageReporter, toStoredDelivery } from '@inkless-webhooks/core/queue'
import type { JobInsert, PgBoss } from 'pg-boss'
import { jobIdOf } from './job.js'
import { createQueues, DEFAULT_QUEUE, deadLetterQueueOf } from './queues.js'

const INTEGER = { integer: true } as const

/** How `createInklessQueue` sends jobs: the queue, its deadline, the retries, the dedupe window. */
export interface InklessQueueOptions {
  /** The pg-boss queue (created with its dead-letter queue if missing). Default `inkless`. */
  queueName?: string
  /** A send slower than this counts as an outage: 503, and Inkless retries. Default 2,000 ms. */
  timeoutMs?: number
  /** Runs of a job before it moves to the dead-letter queue. Default 8. */
  attempts?: number
  /**
   * Wait before the first retry, doubled (with jitter) at each next one up to
   * `retryDelayMaxMs`. pg-boss counts whole seconds: rounded up. Default 1,000 ms.
   */
  retryDelayMs?: number
  /** The longest wait between two runs. Default 64,000 ms. */
  retryDelayMaxMs?: number
  /**
   * A running job whose worker stops sending heartbeats for this long is taken back and
   * retried elsewhere (a worker that died). pg-boss needs at least 10 s. Default 30,000 ms.
   */
  heartbeatMs?: number
  /**
   * How long a processed delivery's job is kept, so that Inkless's late retries of it are
   * answered `duplicate` instead of running again. Default 86,400,000 ms (24 h).
   */
  dedupeWindowMs?: number
  /**
   * Deliveries waiting on PostgreSQL at once; beyond it a delivery is answered 503 at once.
   * With `timeoutMs`, it bounds what a slow or stalled database makes the receiver hold.
   * Default 1,000.
   */
  maxInFlight?: number
  /**
   * PostgreSQL outages seen by the `PgBoss` instance (its pool losing the server…): once when
   * one starts, then a count per minute, then once when it ends. Default: one console line
   * each. (Each 503 is also reported to core's `onError`.)
   */
  onError?: (error: Error) => void
}

const seconds = (ms: number) => Math.ceil(ms / 1000)
// Rows in one insert at most: a statement of ~1 MB with 500-byte bodies.
const MAX_BATCH = 2000

/** A delivery waiting for the insert that stores it. */
interface Waiting {
  readonly id: string
  readonly job: JobInsert
  readonly settle: (result: 'queued' | 'duplicate' | Error) => void
}
const consoleError = (error: Error) => console.error(`[inkless-webhooks] ${error.message}`)

/** The send options of every job, from the queue options, checked once. */
export function jobOptionsOf(options: InklessQueueOptions, queueName: string): JobInsert {
  const attempts = positiveOption('attempts', options.attempts, 8, INTEGER)
  return {
    retryLimit: attempts - 1,
    retryDelay: seconds(positiveOption('retryDelayMs', options.retryDelayMs, 1000, INTEGER)),
    retryDelayMax: seconds(
      positiveOption('retryDelayMaxMs', options.retryDelayMaxMs, 64_000, INTEGER),
    ),
    retryBackoff: true,
    heartbeatSeconds: seconds(
      positiveOption('heartbeatMs', options.heartbeatMs, 30_000, { integer: true, min: 10_000 }),
    ),
    deleteAfterSeconds: seconds(
      positiveOption('dedupeWindowMs', options.dedupeWindowMs, 86_400_000, {
        integer: true,
        min: 1000,
      }),
    ),
    deadLetter: deadLetterQueueOf(queueName),
  }
}

/**
 * The receiver's end of queue mode on PostgreSQL: `inklessWebhooks({ queue:
 * createInklessQueue(boss) })`, `boss` a started `PgBoss`. A verified delivery becomes one
 * job whose id derives from its dedupe key, so the same delivery reaching several receivers
 * is stored once; the answer is 200 once the insert is committed, 503 when PostgreSQL does not
 * commit it within `timeoutMs`. Deliveries that arrive while an insert runs share the next
 * one (one statement, one commit).
 */
export function createInklessQueue(boss: PgBoss, options: InklessQueueOptions = {}): DeliveryQueue {
  const queueName = options.queueName ?? DEFAULT_QUEUE
  const timeoutMs = positiveOption('timeoutMs', options.timeoutMs, 2000, INTEGER)
  const maxWaiting = positiveOption('maxInFlight', options.maxInFlight, 1000, INTEGER)
  const jobOptions = jobOptionsOf(options, queueName)
  const report = options.onError ?? consoleError
  const outage = createOutageReporter('PostgreSQL (createInklessQueue)', (error) => {
    try {
      report(error)
    } catch {
      // A throwing onError must not change the answer.
    }
  })
  // Without a listener, pg-boss's 'error' event (a pooled connection cut by a restart) would
  // end the process instead of answering 503 until PostgreSQL is back.
  boss.on('error', outage.failed)
  // Once per process; a failure (the database away) is tried again by the next delivery.
  let created: Promise<void> | undefined
  const createOnce = () => {
    created ??= createQueues(boss, queueName).catch((error: unknown) => {
      created = undefined
      throw error
    })
    return created
  }

  // Deliveries waiting for the next insert; one insert at a time takes them all (up to
  // MAX_BATCH): under load many share a statement and a commit instead of one each.
  const waiting: Waiting[] = []
  let inserting = false

  const insertWaiting = async () => {
    if (inserting || waiting.length === 0) return
    inserting = true
    const batch = waiting.splice(0, MAX_BATCH)
    try {
      await createOnce()
      // One row per id: a second copy in the same batch is a duplicate of the first.
      const jobs = new Map<string, JobInsert>()
      for (const w of batch) jobs.set(w.id, jobs.get(w.id) ?? { ...jobOptions, ...w.job })
      // pg-boss inserts with ON CONFLICT DO NOTHING and returns the ids it inserted.
      const inserted = new Set(
        (await boss.insert(queueName, [...jobs.values()], { returnId: true })) ?? [],
      )
      outage.recovered()
      for (const w of batch) {
        w.settle(inserted.delete(w.id) ? 'queued' : 'duplicate')
      }
    } catch (error) {
      outage.failed(error)
      for (const w of batch) w.settle(error instanceof Error ? error : new Error(String(error)))
    } finally {
      inserting = false
      void insertWaiting()
    }
  }

  return {
    enqueue: (delivery: QueuedDelivery) => {
      if (waiting.length >= maxWaiting) {
        return Promise.reject(
          new Error(`${waiting.length} deliveries are already waiting on PostgreSQL (maxInFlight)`),
        )
      }
      return new Promise<'queued' | 'duplicate'>((resolve, reject) => {
        const id = jobIdOf(delivery.dedupeKey)
        const entry: Waiting = {
          id,
          job: { id, data: toStoredDelivery(delivery) },
          settle: (result) => {
            clearTimeout(timer)
            if (result instanceof Error) reject(result)
            else resolve(result)
          },
        }
        // A refused connection fails at once; a database that hangs must not hold the request.
        // A delivery not yet sent is dropped (never stored after its 503); one whose insert
        // commits after the 503 is harmless: Inkless's retry finds it, a duplicate.
        const timer = setTimeout(() => {
          const at = waiting.indexOf(entry)
          if (at !== -1) waiting.splice(at, 1)
          const error = new Error(`PostgreSQL did not commit the job within ${timeoutMs} ms`)
          outage.failed(error)
          reject(error)
        }, timeoutMs)
        waiting.push(entry)
        void insertWaiting()
      })
    },
  }
}
