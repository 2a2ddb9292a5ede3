import { setTimeout as delay } from 'node:timers/promises'
import type { InklessEvent, InklessEventName } from '@inkless-webhooks/core'
import { documentToken, inklessTimestamp } from './fixtures.js'
import {
  type Delivery,
  type HandshakeResult,
  type SendOptions,
  sendHandshake,
  sendWebhook,
} from './send.js'

/** What one recipient's signing session fires, in order. */
const SIGNER_LIFECYCLE: readonly InklessEventName[] = [
  'document_signing_link_sent',
  'email_delivered',
  'email_opened',
  'email_clicked',
  'link_viewed',
  'otp_sent',
  'sms_sent',
  'sms_delivered',
  'otp_verified',
  'document_signed',
]

/** What {@link planEnvelopes} plays through. */
export interface PlanOptions {
  /** Envelopes to play through. Default 1. */
  readonly envelopes?: number
  /** Signers per envelope. Default 2. */
  readonly signers?: number
  /** Deliver in random order, as Inkless's queue may. */
  readonly shuffle?: boolean
  /** Share of deliveries sent twice, 0 to 1. */
  readonly duplicates?: number
  /** Random source in [0, 1), injectable for reproducible plans. */
  readonly random?: () => number
}

/** One delivery of a plan. */
export interface PlannedDelivery {
  /** The event it carries. */
  readonly event: InklessEvent
  /** The exact bytes to sign and send; a duplicate repeats them. */
  readonly body: string
  /** True for the second copy of a delivery (`duplicates`). */
  readonly duplicate: boolean
}

/**
 * The deliveries of `envelopes` signing flows: per signer the link, email, OTP and SMS
 * events and one `document_signed`, then `document_complete` and `envelope_complete`.
 */
export function planEnvelopes(options: PlanOptions = {}): PlannedDelivery[] {
  const {
    envelopes = 1,
    signers = 2,
    shuffle = false,
    duplicates = 0,
    random = Math.random,
  } = options
  const events: InklessEvent[] = []
  let linkId = 1000 + Math.floor(random() * 1_000_000)
  const start = Date.now() - 3_600_000
  for (let e = 0; e < envelopes; e++) {
    const document_token = documentToken()
    let second = 0
    const at = () => inklessTimestamp(new Date(start + e * 600_000 + second++ * 1000))
    for (let s = 0; s < signers; s++) {
      const secure_link_id = linkId++
      for (const name of SIGNER_LIFECYCLE) {
        events.push({
          event: name,
          secure_link_id,
          document_token,
          timestamp: at(),
        } as InklessEvent)
      }
    }
    events.push({ event: 'document_complete', document_token, timestamp: at() } as InklessEvent)
    events.push({ event: 'envelope_complete', document_token, timestamp: at() } as InklessEvent)
  }
  const plan: PlannedDelivery[] = events.map((event) => ({
    event,
    body: JSON.stringify(event),
    duplicate: false,
  }))
  const copies = plan.filter(() => random() < duplicates).map((d) => ({ ...d, duplicate: true }))
  for (const copy of copies) {
    // A duplicate arrives after its original: anywhere later in the queue.
    const after = plan.findIndex((d) => d.body === copy.body)
    plan.splice(after + 1 + Math.floor(random() * (plan.length - after)), 0, copy)
  }
  if (shuffle) {
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[plan[i], plan[j]] = [plan[j] as PlannedDelivery, plan[i] as PlannedDelivery]
    }
  }
  return plan
}

/** What happened to the deliveries of one event name in a simulation. */
export interface EventStats {
  /** Deliveries of this event, duplicates included. */
  sent: number
  /** Deliveries that ended with a 2xx. */
  ok: number
  /** Extra attempts after a non-2xx or a network error. */
  retried: number
  /** Deliveries that ended without a 2xx: out of retries, or the answer that stopped the run. */
  failed: number
  /** Latency of every attempt, ms. */
  latencies: number[]
}

/** Counts so far in a simulation. */
export interface Progress {
  /** Deliveries finished, whatever their outcome. */
  readonly done: number
  /** Deliveries in the plan. */
  readonly total: number
  /** Deliveries that ended with a 2xx. */
  readonly ok: number
  /** Deliveries that ended without a 2xx. */
  readonly failed: number
  /** Extra attempts after a non-2xx or a network error. */
  readonly retried: number
}

/** The plan, how to send it, and how hard to retry. */
export interface SimulateOptions extends PlanOptions, SendOptions {
  /** Deliveries in flight at once. Default 8. */
  readonly concurrency?: number
  /** Retries per delivery after a non-2xx other than 401, 404, 405 and 413. Default 5. */
  readonly retries?: number
  /** First retry delay in ms, doubled each time up to 5 s. Default 200. */
  readonly backoffMs?: number
  /** Send the verification handshake first. Default true. */
  readonly handshake?: boolean
  /** Called after each delivery finishes, with the counts so far. */
  readonly onProgress?: (progress: Progress) => void
  /** Called after each attempt, retries included, with what was sent and what came back. */
  readonly onAttempt?: (attempt: Attempt) => void
}

/** One attempt of a simulation: the delivery, and its answer or the error when none came. */
export interface Attempt {
  /** The delivery of the plan. */
  readonly delivery: PlannedDelivery
  /** 0 for the first attempt, then 1, 2… for its retries. */
  readonly retry: number
  /** The answer. */
  readonly answer?: Delivery
  /** Why no answer came back. */
  readonly error?: Error
}

/** What a simulation did. */
export interface SimulationReport {
  /** The handshake's answer, unless `handshake: false`. */
  readonly handshake?: HandshakeResult
  /** Per event name: sent, ok, retried, failed and every attempt's latency. */
  readonly byEvent: ReadonlyMap<InklessEventName, EventStats>
  /** The final counts. */
  readonly total: Progress
  /** The whole run, handshake included, in ms. */
  readonly durationMs: number
  /**
   * The answer that stopped the run: a 3xx (never followed), 401, 404, 405 or 413 says the URL, secret or body limit
   * is wrong, which no retry changes. Deliveries not done by then were cancelled.
   */
  readonly stoppedBy?: Delivery
  /** The last failed attempt: its non-2xx answer, or the error when no answer came back. */
  readonly lastFailure?: Delivery | Error
}

/** Answers that end the run at once instead of being retried (Inkless itself would retry). */
const STOP_ON = new Set([401, 404, 405, 413])

/** Plays Inkless against `url`: delivers the plan concurrently, retrying each non-2xx. */
export async function simulate(
  url: string,
  options: SimulateOptions = {},
): Promise<SimulationReport> {
  const { concurrency = 8, retries = 5, backoffMs = 200, onProgress } = options
  const started = performance.now()
  const handshake = options.handshake === false ? undefined : await sendHandshake(url, options)
  const plan = planEnvelopes(options)
  const byEvent = new Map<InklessEventName, EventStats>()
  const total = { done: 0, total: plan.length, ok: 0, failed: 0, retried: 0 }
  const stop = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  const sending = { ...options, signal }
  let stoppedBy: Delivery | undefined
  let lastFailure: Delivery | Error | undefined

  /** Delivers one, retrying as Inkless would; false if the run was stopped before it ended. */
  async function deliver(delivery: PlannedDelivery): Promise<boolean> {
    const { event, body } = delivery
    const stats = byEvent.get(event.event) ?? {
      sent: 0,
      ok: 0,
      retried: 0,
      failed: 0,
      latencies: [],
    }
    byEvent.set(event.event, stats)
    stats.sent++
    for (let attempt = 0; ; attempt++) {
      const started = performance.now()
      let answer: Delivery | undefined
      try {
        answer = await sendWebhook(url, body, sending)
      } catch (error) {
        if (signal.aborted) return false
        lastFailure = error instanceof Error ? error : new Error(String(error))
        options.onAttempt?.({ delivery, retry: attempt, error: lastFailure })
      }
      if (answer) options.onAttempt?.({ delivery, retry: attempt, answer })
      stats.latencies.push(answer?.durationMs ?? performance.now() - started)
      if (answer?.ok) {
        stats.ok++
        total.ok++
        return true
      }
      if (answer) lastFailure = answer
      const final =
        answer !== undefined &&
        (STOP_ON.has(answer.status) || (answer.status >= 300 && answer.status < 400))
      if (final) {
        stoppedBy ??= answer
        stop.abort()
      }
      if (final || attempt === retries) {
        stats.failed++
        total.failed++
        return true
      }
      await delay(Math.min(backoffMs * 2 ** attempt, 5000), undefined, { signal }).catch(() => {})
      if (signal.aborted) return false
      stats.retried++
      total.retried++
    }
  }

  let next = 0
  const worker = async () => {
    while (next < plan.length && !signal.aborted) {
      if (!(await deliver(plan[next++] as PlannedDelivery))) return
      total.done++
      onProgress?.({ ...total })
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  return {
    ...(handshake ? { handshake } : {}),
    byEvent,
    total: { ...total },
    durationMs: performance.now() - started,
    ...(stoppedBy ? { stoppedBy } : {}),
    ...(lastFailure ? { lastFailure } : {}),
  }
}

/**
 * The q-quantile (0..1) of `values`, nearest rank.
 *
 * @deprecated A generic helper the CLI uses, not part of the test kit; it will not be exported.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number
}
