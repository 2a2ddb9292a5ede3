import type { DeliveryQueue, QueuedDelivery } from '@inkless-webhooks/core'
import { createOutageReporter, toStoredDelivery } from '@inkless-webhooks/core/queue'
import type { PgBoss, SendOptions } from 'pg-boss'
import { jobIdOf } from './job.js'
import { createQueues, DEFAULT_QUEUE, deadLetterQueueOf } from './queues.js'

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
   * PostgreSQL outages seen by the `PgBoss` instance (its pool losing the server…): once when
   * one starts, then a count per minute, then once when it ends. Default: one console line
   * each. (Each 503 is also reported to core's `onError`.)
   */
  onError?: (error: Error) => void
}

function milliseconds(name: string, value: number | undefined, fallback: number, min = 1): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < min) {
    throw new TypeError(`inkless-webhooks: ${name} must be an integer of at least ${min}`)
  }
  return resolved
}

const seconds = (ms: number) => Math.ceil(ms / 1000)
const consoleError = (error: Error) => console.error(`[inkless-webhooks] ${error.message}`)

/** The send options of every job, from the queue options, checked once. */
function jobOptionsOf(options: InklessQueueOptions, queueName: string): SendOptions {
  const attempts = milliseconds('attempts', options.attempts, 8)
  return {
    retryLimit: attempts - 1,
    retryDelay: seconds(milliseconds('retryDelayMs', options.retryDelayMs, 1000)),
    retryDelayMax: seconds(milliseconds('retryDelayMaxMs', options.retryDelayMaxMs, 64_000)),
    retryBackoff: true,
    heartbeatSeconds: seconds(milliseconds('heartbeatMs', options.heartbeatMs, 30_000, 10_000)),
    deleteAfterSeconds: seconds(
      milliseconds('dedupeWindowMs', options.dedupeWindowMs, 86_400_000, 1000),
    ),
    deadLetter: deadLetterQueueOf(queueName),
  }
}

/**
 * The receiver's end of queue mode on PostgreSQL: `inklessWebhooks({ queue:
 * createInklessQueue(boss) })`, `boss` a started `PgBoss`. A verified delivery becomes one
 * job whose id derives from its dedupe key, so the same delivery reaching several receivers
 * is stored once; the answer is 200 once the insert is committed, 503 when PostgreSQL does not
 * commit it within `timeoutMs`.
 */
export function createInklessQueue(boss: PgBoss, options: InklessQueueOptions = {}): DeliveryQueue {
  const queueName = options.queueName ?? DEFAULT_QUEUE
  const timeoutMs = milliseconds('timeoutMs', options.timeoutMs, 2000)
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

  const store = async (delivery: QueuedDelivery): Promise<'queued' | 'duplicate'> => {
    await createOnce()
    const id = jobIdOf(delivery.dedupeKey)
    // pg-boss inserts with ON CONFLICT DO NOTHING: null when a job has this id already.
    const sent = await boss.send(queueName, toStoredDelivery(delivery), { ...jobOptions, id })
    outage.recovered()
    return sent === null ? 'duplicate' : 'queued'
  }

  return {
    enqueue: (delivery) =>
      new Promise((resolve, reject) => {
        // A refused connection fails at once; a database that hangs must not hold the request.
        // An insert that commits after the 503 is harmless: Inkless's retry finds it, a duplicate.
        const timer = setTimeout(
          () => fail(new Error(`PostgreSQL did not commit the job within ${timeoutMs} ms`)),
          timeoutMs,
        )
        const fail = (error: unknown) => {
          clearTimeout(timer)
          outage.failed(error)
          reject(error)
        }
        store(delivery).then((stored) => {
          clearTimeout(timer)
          resolve(stored)
        }, fail)
      }),
  }
}
