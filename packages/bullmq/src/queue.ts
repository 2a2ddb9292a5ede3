import { randomUUID } from 'node:crypto'
import type { DeliveryQueue, QueuedDelivery } from '@inkless-webhooks/core'
import { positiveOption, renamedOption, withDeadline } from '@inkless-webhooks/core/adapter'
import { createOutageReporter, toStoredDelivery } from '@inkless-webhooks/core/queue'
import type { BackoffOptions, JobsOptions, Queue } from 'bullmq'
import { assertRedisClient } from './connection.js'
import { type InklessJobData, jobIdOf } from './job.js'

const INTEGER = { integer: true } as const

/** How `createInklessQueue` adds jobs: its deadline, the retry schedule, how long jobs are kept. */
export interface InklessQueueOptions {
  /** An enqueue slower than this counts as an outage: 503, and Inkless retries. Default 2,000 ms. */
  timeoutMs?: number
  /** Runs of a job before it stays in the failed set. Default 8. */
  attempts?: number
  /** Wait between runs, as BullMQ takes it. Default exponential from 1 s: 1, 2, 4 … 64 s. */
  backoff?: number | BackoffOptions
  /**
   * How long a processed delivery's job is kept, so that Inkless's late retries of it are
   * answered `duplicate` instead of running again, in ms (whole seconds for BullMQ).
   * Default 86,400,000 (24 h).
   */
  dedupeWindowMs?: number
  /** @deprecated Use `dedupeWindowMs` (in ms). */
  dedupeWindowSeconds?: number
  /**
   * How long a job stays in the failed set after its last attempt, for you to replay or
   * inspect it; BullMQ removes older ones when another job fails. Default: kept until removed.
   */
  failedRetentionMs?: number
  /**
   * Adds waiting on Redis at once; beyond it a delivery is answered 503 at once. Default 1,000.
   * With `timeoutMs`, it bounds the memory a slow or stalled Redis can make the receiver hold.
   */
  maxInFlight?: number
  /**
   * Redis outages: once when one starts, then a count per minute, then once when it ends.
   * Default: one console line each. (Core's `onError` hears the 503s: the first, then a count a minute.)
   */
  onError?: (error: Error) => void
}

const consoleError = (error: Error) => console.error(`[inkless-webhooks] ${error.message}`)

/**
 * The receiver's end of queue mode: `inklessWebhooks({ queue: createInklessQueue(new Queue('inkless',
 * { connection })) })`. A verified delivery becomes one job whose id derives from its dedupe
 * key, so the same delivery reaching several receivers is stored once; the answer is 200 once
 * Redis has stored it, 503 at once while Redis is not connected, and 503 when Redis does not
 * answer within `timeoutMs`. A refused delivery is never stored later: Inkless retries it.
 */
export function createInklessQueue(
  queue: Queue<InklessJobData>,
  options: InklessQueueOptions = {},
): DeliveryQueue {
  assertRedisClient('the Queue given to createInklessQueue', queue.opts?.connection)
  const timeoutMs = positiveOption('timeoutMs', options.timeoutMs, 2000, INTEGER)
  const maxInFlight = positiveOption('maxInFlight', options.maxInFlight, 1000, INTEGER)
  const failedRetentionMs =
    options.failedRetentionMs === undefined
      ? undefined
      : positiveOption('failedRetentionMs', options.failedRetentionMs, 0, INTEGER)
  const jobOptions: JobsOptions = {
    attempts: positiveOption('attempts', options.attempts, 8, INTEGER),
    backoff: options.backoff ?? { type: 'exponential', delay: 1000 },
    removeOnComplete: {
      // BullMQ keeps completed jobs by age in seconds.
      age: Math.ceil(
        renamedOption(options, 'dedupeWindowMs', 'dedupeWindowSeconds', 86_400_000, {
          ...INTEGER,
          aliasInSeconds: true,
        }) / 1000,
      ),
    },
    // The failed set is the dead letter: kept until replayed or removed, or for the retention.
    removeOnFail:
      failedRetentionMs === undefined ? false : { age: Math.ceil(failedRetentionMs / 1000) },
  }
  const report = options.onError ?? consoleError
  const outage = createOutageReporter('Redis (createInklessQueue)', (error) => {
    try {
      report(error)
    } catch {
      // A throwing onError must not change the answer.
    }
  })
  queue.on('error', outage.failed)

  type Client = Awaited<ReturnType<typeof queue.getBackend>['client']>
  let client: Client | undefined
  let inFlight = 0

  /** Stores the delivery unless `expired()` by then: nothing is added after its 503. */
  const store = async (
    delivery: QueuedDelivery,
    expired: () => boolean,
  ): Promise<'queued' | 'duplicate'> => {
    client ??= await queue.getBackend().client
    // While Redis is away the client would queue the add and send it on reconnect, long
    // after the 503: refuse now instead, holding nothing.
    if (client.status !== 'ready') throw new Error(`Redis is not connected (${client.status})`)
    if (expired()) throw new Error('the deadline passed before Redis was connected')
    const receipt = randomUUID()
    const jobId = jobIdOf(delivery.dedupeKey)
    await queue.add(
      delivery.event.event,
      { ...toStoredDelivery(delivery), receipt },
      { ...jobOptions, jobId },
    )
    // When the id exists, add() stores nothing yet returns a job built from our arguments
    // (taskforcesh/bullmq#3214): the stored job's receipt says whose it is. One HGET of its
    // data, not getJob(), which parses the whole job and doubles the receiver's CPU time. A
    // job already gone was stored and processed since; either way the answer is 200.
    const stored = await client.hget(queue.toKey(jobId), 'data')
    outage.recovered()
    return stored !== null && !stored.includes(receipt) ? 'duplicate' : 'queued'
  }

  return {
    enqueue: (delivery) => {
      if (inFlight >= maxInFlight) {
        return Promise.reject(
          new Error(`${inFlight} deliveries are already waiting on Redis (maxInFlight)`),
        )
      }
      inFlight++
      let expired = false
      const work = store(delivery, () => expired)
      work
        .then(undefined, (error: unknown) => {
          if (!expired) outage.failed(error)
        })
        .finally(() => {
          inFlight--
        })
      return withDeadline(work, timeoutMs, () => {
        expired = true
        const error = new Error(`Redis did not store the job within ${timeoutMs} ms`)
        outage.failed(error)
        return error
      })
    },
  }
}

/** @deprecated Use {@link createInklessQueue}: the same function. */
export const inklessQueue = createInklessQueue
