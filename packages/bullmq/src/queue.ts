import { randomUUID } from 'node:crypto'
import type { DeliveryQueue, QueuedDelivery } from '@inkless-webhooks/core'
import { toStoredDelivery } from '@inkless-webhooks/core/queue'
import type { BackoffOptions, JobsOptions, Queue } from 'bullmq'
import { type InklessJobData, jobIdOf } from './job.js'

/** How `inklessQueue` adds jobs: its deadline, the retry schedule and the dedupe window. */
export interface InklessQueueOptions {
  /** An enqueue slower than this counts as an outage: 503, and Inkless retries. Default 2,000 ms. */
  timeoutMs?: number
  /** Runs of a job before it stays in the failed set. Default 8. */
  attempts?: number
  /** Wait between runs, as BullMQ takes it. Default exponential from 1 s: 1, 2, 4 … 64 s. */
  backoff?: number | BackoffOptions
  /**
   * How long a processed delivery's job is kept, so that Inkless's late retries of it are
   * answered `duplicate` instead of running again. Default 86,400 s (24 h).
   */
  dedupeWindowSeconds?: number
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved <= 0) {
    throw new TypeError(`inklessQueue: ${name} must be a positive integer`)
  }
  return resolved
}

/**
 * The receiver's end of queue mode: `inklessWebhooks({ queue: inklessQueue(new Queue('inkless',
 * { connection })) })`. A verified delivery becomes one job whose id derives from its dedupe
 * key, so the same delivery reaching several receivers is stored once; the answer is 200 once
 * Redis has stored it, 503 when Redis does not answer within `timeoutMs`.
 */
export function inklessQueue(
  queue: Queue<InklessJobData>,
  options: InklessQueueOptions = {},
): DeliveryQueue {
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, 2000)
  const jobOptions: JobsOptions = {
    attempts: positiveInteger('attempts', options.attempts, 8),
    backoff: options.backoff ?? { type: 'exponential', delay: 1000 },
    removeOnComplete: {
      age: positiveInteger('dedupeWindowSeconds', options.dedupeWindowSeconds, 86_400),
    },
    // The failed set is the dead letter: kept until someone retries or removes the job.
    removeOnFail: false,
  }

  let client: Awaited<ReturnType<typeof queue.getBackend>['client']> | undefined
  const store = async (delivery: QueuedDelivery): Promise<'queued' | 'duplicate'> => {
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
    client ??= await queue.getBackend().client
    const stored = await client.hget(queue.toKey(jobId), 'data')
    return stored !== null && !stored.includes(receipt) ? 'duplicate' : 'queued'
  }

  return {
    enqueue: (delivery) =>
      new Promise((resolve, reject) => {
        // The client may queue commands while Redis is away; the request must not wait for
        // that. An add that lands late is harmless: Inkless's retry finds its job, a duplicate.
        const timer = setTimeout(
          () => reject(new Error(`Redis did not store the job within ${timeoutMs} ms`)),
          timeoutMs,
        )
        store(delivery)
          .then(resolve, reject)
          .finally(() => clearTimeout(timer))
      }),
  }
}
