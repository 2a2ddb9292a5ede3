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
  /**
   * `dedupeWindowMs` in seconds.
   *
   * @deprecated Use `dedupeWindowMs` (in ms).
   */
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

// For each (job key, receipt) pair in ARGV, 1 when the job's stored data lacks the receipt
// (another add stored it: a duplicate), else 0. KEYS[1], the queue's meta key, names the
// queue's slot: BullMQ keeps all of a queue's keys in one (its prefix's hash tag).
const RECEIPTS_COMMAND = 'inklessDuplicates'
const RECEIPTS_LUA = `local answers = {}
for i = 1, #ARGV, 2 do
  local data = redis.call('HGET', ARGV[i], 'data')
  answers[#answers + 1] = (data and not string.find(data, ARGV[i + 1], 1, true)) and 1 or 0
end
return answers`

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
  let receiptsDefined = false

  /** A delivery waiting for the next add; `expired` once its 503 went out. */
  interface Pending {
    readonly delivery: QueuedDelivery
    expired: boolean
    readonly settle: (result: 'queued' | 'duplicate' | Error) => void
  }
  // The deliveries verified in one turn of the event loop share one add (addBulk: one
  // pipeline of BullMQ's add script) and one read, instead of two round trips each; a lone
  // delivery waits for nothing but the end of its turn.
  let pending: Pending[] = []
  let inFlight = 0

  /** Stores `batch` but its expired deliveries (nothing is added after its 503); settles each. */
  const store = async (batch: Pending[]) => {
    client ??= await queue.getBackend().client
    // While Redis is away the client would queue the adds and send them on reconnect, long
    // after the 503: refuse now instead, holding nothing.
    if (client.status !== 'ready') throw new Error(`Redis is not connected (${client.status})`)
    const live = batch.filter((p) => !p.expired)
    if (live.length === 0) throw new Error('the deadline passed before Redis was connected')
    const jobs = live.map(({ delivery }) => ({
      name: delivery.event.event,
      data: { ...toStoredDelivery(delivery), receipt: randomUUID() },
      opts: { ...jobOptions, jobId: jobIdOf(delivery.dedupeKey) },
    }))
    // addBulk builds an ioredis pipeline (it copies every BullMQ script onto it): for one job,
    // add() costs less.
    const [first] = jobs
    if (first && jobs.length === 1) await queue.add(first.name, first.data, first.opts)
    else await queue.addBulk(jobs)
    // When an id exists, the add stores nothing yet returns a job built from our arguments
    // (taskforcesh/bullmq#3214): the stored job's receipt says whose it is. One script reads
    // the batch's jobs in Redis and answers which lack our receipt (getJob() would parse whole
    // jobs: twice the receiver's CPU time). A job already gone was stored and processed
    // since; either way the answer is 200.
    if (!receiptsDefined) {
      client.defineCommand(RECEIPTS_COMMAND, { numberOfKeys: 1, lua: RECEIPTS_LUA })
      receiptsDefined = true
    }
    const args = [queue.toKey('meta')]
    for (const job of jobs) args.push(queue.toKey(job.opts.jobId), job.data.receipt)
    const duplicates = (await client.runCommand(RECEIPTS_COMMAND, args)) as number[]
    outage.recovered()
    live.forEach((p, i) => {
      p.settle(duplicates[i] === 1 ? 'duplicate' : 'queued')
    })
  }

  const flush = () => {
    const batch = pending
    pending = []
    store(batch).catch((error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error))
      if (batch.some((p) => !p.expired)) outage.failed(failure)
      for (const p of batch) p.settle(failure)
    })
  }

  return {
    enqueue: (delivery) => {
      if (inFlight >= maxInFlight) {
        return Promise.reject(
          new Error(`${inFlight} deliveries are already waiting on Redis (maxInFlight)`),
        )
      }
      inFlight++
      let settled = false
      let entry: Pending | undefined
      const work = new Promise<'queued' | 'duplicate'>((resolve, reject) => {
        entry = {
          delivery,
          expired: false,
          settle: (result) => {
            if (settled) return
            settled = true
            inFlight--
            if (result instanceof Error) reject(result)
            else resolve(result)
          },
        }
      })
      const waiting = entry as Pending
      if (pending.length === 0) setImmediate(flush)
      pending.push(waiting)
      return withDeadline(work, timeoutMs, () => {
        waiting.expired = true
        const error = new Error(`Redis did not store the job within ${timeoutMs} ms`)
        outage.failed(error)
        return error
      })
    },
  }
}

/** @deprecated Use {@link createInklessQueue}: the same function. */
export const inklessQueue = createInklessQueue
