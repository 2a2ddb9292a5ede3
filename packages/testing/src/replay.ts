import { readFile } from 'node:fs/promises'
import { signPayload } from '@inkless-webhooks/core'
import { redactUrl } from './explain.js'
import { inklessTimestamp } from './fixtures.js'
import { type Delivery, post, type SendOptions } from './send.js'

/** One recorded request of a history file: the exact headers and bytes that were sent. */
export interface HistoryRequest {
  /** Where it was sent. */
  readonly url: string
  /** The headers as sent, lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The exact body bytes, as UTF-8 text. */
  readonly body: string
}

/** The recorded answer to a request of a history file. */
export interface HistoryResponse {
  /** The HTTP status. */
  readonly status: number
  /** The answer's headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The answer's body, as text. */
  readonly body: string
}

/** One delivery the inspector (`inkless-webhooks dev`) made, and what came back. */
export interface HistoryEntry {
  /** Its number in the session, from 1. */
  readonly id: number
  /** When it was sent, ISO 8601. */
  readonly at: string
  /** `handshake`, `event`, a `redelivery` (as-is or re-signed), or a `forged` copy. */
  readonly kind: 'handshake' | 'event' | 'redelivery' | 'forged'
  /** The event name, for every kind but `handshake`. */
  readonly event?: string
  /** The payload's `document_token`, when it has one. */
  readonly documentToken?: string
  /** The request as sent. */
  readonly request: HistoryRequest
  /** The answer, unless none came back (then `error` says why). */
  readonly response?: HistoryResponse
  /** Why no answer came back. */
  readonly error?: string
  /** From sending to the end of the answer, in ms. */
  readonly durationMs: number
}

/** A history file: what `inkless-webhooks dev` exports and `inkless-webhooks replay` plays. */
export interface DeliveryHistory {
  /** Always `inkless-webhooks-history`. */
  readonly format: 'inkless-webhooks-history'
  /** Always 1. */
  readonly version: 1
  /** Oldest first, the order they were sent. */
  readonly deliveries: readonly HistoryEntry[]
}

/** One delivery to replay. */
export interface ReplayDelivery {
  /** What the dry-run listing shows for it, e.g. `#3` or `job 42`. */
  readonly label: string
  /** The exact body to send (the bytes Inkless signed). */
  readonly body: string
  /** The headers it was sent with; without them (a queued job keeps only the body) it is signed. */
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * Where deliveries to replay come from: a history file, or the failed jobs of a queue. A queue
 * package (`@inkless-webhooks/bullmq`, `@inkless-webhooks/pg-boss`) offers its failed jobs to
 * `inkless-webhooks replay --bullmq <url>` by exporting `failedDeliveries(url)`, which returns
 * one of these.
 */
export interface ReplaySource {
  /** Says where they come from, for messages: a file name, a queue and its server. */
  readonly name: string
  /** The deliveries, in the order to send them. */
  deliveries(): AsyncIterable<ReplayDelivery> | Iterable<ReplayDelivery>
  /** Releases connections; called once the replay is done. */
  close?(): Promise<void>
}

export const HISTORY_FORMAT = 'inkless-webhooks-history'

/** The one-line reason a history file is refused. */
export class HistoryError extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isStringMap = (value: unknown): value is Record<string, string> =>
  isRecord(value) && Object.values(value).every((v) => typeof v === 'string')

/** Checks that `value` is a history this version reads; throws a {@link HistoryError} saying what is not. */
export function parseHistory(value: unknown): DeliveryHistory {
  if (!isRecord(value) || value.format !== HISTORY_FORMAT) {
    throw new HistoryError(`not an inkless-webhooks history (no "format": "${HISTORY_FORMAT}")`)
  }
  if (value.version !== 1)
    throw new HistoryError(`history version ${String(value.version)} is not supported`)
  if (!Array.isArray(value.deliveries)) throw new HistoryError('"deliveries" is not a list')
  for (const [i, entry] of value.deliveries.entries()) {
    const request = isRecord(entry) ? entry.request : undefined
    if (!isRecord(request) || typeof request.body !== 'string' || !isStringMap(request.headers)) {
      throw new HistoryError(`deliveries[${i}]: no request with string "headers" and "body"`)
    }
  }
  return value as unknown as DeliveryHistory
}

/** The deliveries of a history file, oldest first. */
export function historySource(path: string): ReplaySource {
  return {
    name: path,
    async *deliveries() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (error) {
        throw new HistoryError(`cannot read ${path}: ${(error as Error).message}`)
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (error) {
        throw new HistoryError(`${path} is not JSON: ${(error as Error).message}`)
      }
      for (const entry of parseHistory(json).deliveries) {
        yield {
          // `#3 document_signed (forged)`: a forged copy's 401 is the point of it.
          label: [
            `#${entry.id}`,
            entry.event || (entry.kind === 'handshake' ? 'handshake' : ''),
            entry.kind === 'forged' ? '(forged)' : '',
          ]
            .filter(Boolean)
            .join(' '),
          body: entry.request.body,
          headers: entry.request.headers,
        }
      }
    },
  }
}

/**
 * The queue packages that offer their failed jobs for replay, by CLI flag. Each is an optional
 * peer of this package, loaded only when its flag is used.
 */
export const QUEUE_SOURCES = {
  bullmq: { package: '@inkless-webhooks/bullmq', url: 'redis://…' },
  'pg-boss': { package: '@inkless-webhooks/pg-boss', url: 'postgres://…' },
} as const

/** A CLI flag naming a queue to replay failed jobs from. */
export type QueueFlag = keyof typeof QUEUE_SOURCES

/**
 * Which failed jobs of a queue to replay (`--queue`, `--id`, `--event`, `--tenant`, `--since`):
 * what a queue package's `failedDeliveries(url, filter)` and `replayFailedJobs(url, filter)` take.
 */
export interface FailedJobFilter {
  /** The queue's name; the package's default when absent. */
  readonly queueName?: string
  /** Job ids or dedupe keys. */
  readonly ids?: readonly string[]
  /** Event names. */
  readonly event?: readonly string[]
  /** The tenant. */
  readonly tenant?: string
  /** Failed at or after this time. */
  readonly since?: Date
  /** List, change nothing (`replayFailedJobs` only). */
  readonly dryRun?: boolean
}

/** A failed job a queue package re-ran in place (or would, with `dryRun`). */
export interface ReplayedJob {
  /** The job's id. */
  readonly id: string
  /** The event's name. */
  readonly event: string
  /** The tenant, if any. */
  readonly tenant?: string | undefined
  /** When it last failed. */
  readonly failedAt?: Date | undefined
  /** Runs it had. */
  readonly attempts: number
  /** Why its last run failed. */
  readonly reason: string
}

/** What a queue package exports for `inkless-webhooks replay --bullmq` / `--pg-boss`. */
interface QueuePackage {
  failedDeliveries?: (url: string, filter: FailedJobFilter) => ReplaySource | Promise<ReplaySource>
  replayFailedJobs?: (url: string, filter: FailedJobFilter) => Promise<readonly ReplayedJob[]>
}

async function queuePackage(flag: QueueFlag): Promise<QueuePackage> {
  const { package: name } = QUEUE_SOURCES[flag]
  try {
    return (await import(name)) as QueuePackage
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new HistoryError(`--${flag} needs ${name}: npm install ${name}`)
    }
    throw error
  }
}

/** The failed jobs of a queue package's queue at `url`, or a one-line error naming what to install. */
export async function queueSource(
  flag: QueueFlag,
  url: string,
  filter: FailedJobFilter = {},
): Promise<ReplaySource> {
  const loaded = await queuePackage(flag)
  if (typeof loaded.failedDeliveries !== 'function') {
    throw new HistoryError(
      `this version of ${QUEUE_SOURCES[flag].package} cannot list failed jobs: update it`,
    )
  }
  return loaded.failedDeliveries(url, filter)
}

/**
 * Re-runs, in the queue itself, the failed jobs of a queue package's queue at `url` that
 * match `filter` (the workers take them again, with their full attempts); the jobs re-run,
 * or that would be with `dryRun`.
 */
export async function replayFailedJobs(
  flag: QueueFlag,
  url: string,
  filter: FailedJobFilter,
): Promise<readonly ReplayedJob[]> {
  const loaded = await queuePackage(flag)
  if (typeof loaded.replayFailedJobs !== 'function') {
    throw new HistoryError(
      `this version of ${QUEUE_SOURCES[flag].package} cannot re-run failed jobs: update it`,
    )
  }
  try {
    return await loaded.replayFailedJobs(url, filter)
  } catch (error) {
    throw new Error(
      `cannot re-run the failed jobs at ${redactUrl(url)}: ${(error as Error).message}`,
    )
  }
}

/** How to replay: the exact request, or the body with a new timestamp, signed again. */
export interface ReplayOptions extends SendOptions {
  /** Set the payload's `timestamp` to now and sign the new bytes: a new delivery, not a duplicate. */
  readonly resign?: boolean
}

/** The request a replay sends for `delivery`. */
export function replayRequest(
  delivery: ReplayDelivery,
  options: ReplayOptions,
): { headers: Record<string, string>; body: string } {
  const headers = { ...delivery.headers }
  let { body } = delivery
  const handshake = headers['x-inkless-signature'] === undefined && delivery.headers !== undefined
  if (options.resign && !handshake) {
    let payload: unknown
    try {
      payload = JSON.parse(body)
    } catch {
      payload = undefined
    }
    if (isRecord(payload)) body = JSON.stringify({ ...payload, timestamp: inklessTimestamp() })
  }
  // A recorded signature is replayed as it is (a forged one stays forged), unless the bytes changed.
  if (!handshake && (options.resign || headers['x-inkless-signature'] === undefined)) {
    const secret = options.secret ?? process.env.INKLESS_WEBHOOK_SECRET
    if (!secret)
      throw new HistoryError('no secret to sign with: pass --secret or set INKLESS_WEBHOOK_SECRET')
    headers['content-type'] ??= 'application/json'
    headers['x-inkless-alg'] ??= 'SHA256'
    headers['x-inkless-signature'] = signPayload(body, secret)
  }
  return { headers, body }
}

/** A replayed delivery and its answer, or the error when none came back. */
export interface ReplayResult {
  /** The delivery. */
  readonly delivery: ReplayDelivery
  /** The answer. */
  readonly answer?: Delivery
  /** Why no answer came back. */
  readonly error?: Error
}

/** Sends each delivery of `source` to `url`, one after the other, in order. */
export async function* replay(
  source: ReplaySource,
  url: string,
  options: ReplayOptions = {},
): AsyncGenerator<ReplayResult> {
  try {
    for await (const delivery of source.deliveries()) {
      const request = replayRequest(delivery, options)
      try {
        yield { delivery, answer: await post(url, request, options) }
      } catch (error) {
        yield { delivery, error: error instanceof Error ? error : new Error(String(error)) }
      }
    }
  } finally {
    await source.close?.()
  }
}
