import { type InklessError, InklessHandlerError, InklessWebhookError } from './errors.js'
import type { InklessEvent, InklessUnknownEvent } from './events.js'

/**
 * The pino-style logger interface (`logger.warn(fields, message)`): pino, Fastify's
 * `request.log`, or any object with these methods. winston users can wrap theirs in four lines.
 */
export interface Logger {
  /** Failures: handlers, stores, queues, lookups, misconfigurations. */
  error(fields: object, message: string): void
  /** Diagnostics: a signature failure with a known cause, counts of aborted or stalled uploads. */
  warn(fields: object, message: string): void
  /** Not called by the library; part of the pino shape. */
  info?(fields: object, message: string): void
  /** Not called by the library; part of the pino shape. */
  debug?(fields: object, message: string): void
}

/** What `onError` receives beside the error: the delivery it belongs to, when there is one. */
export interface ErrorContext {
  /** The event being handled, when the error belongs to one. */
  readonly event?: InklessEvent | InklessUnknownEvent
  /** The delivery's dedupe key, once computed. */
  readonly dedupeKey?: string
  /** The listeners that threw (handler errors only). */
  readonly listeners?: readonly string[]
  /** The tenant, on an endpoint serving several Inkless accounts. */
  readonly tenant?: string
}

/** One thing worth telling the operator. Never carries the secret or the raw body. */
export interface Report<E extends Error = InklessError> {
  readonly level: 'error' | 'warn'
  readonly error: E
  readonly context?: ErrorContext
  /** Extra structured fields: status, reason, count… */
  readonly fields?: Readonly<Record<string, unknown>>
}

export interface ReporterOptions<E extends Error = InklessError> {
  readonly logger?: Logger | undefined
  readonly onError?: ((error: E, context: ErrorContext) => void) | undefined
}

export type Reporter<E extends Error = InklessError> = (
  report: Report<E>,
  requestLogger?: Logger,
) => void

/**
 * The stacks worth printing for `error`: each failed listener's own, else the deepest
 * cause's (where the fault is), else its own. Never a wrapper's beside what it wraps.
 */
function stacksOf(error: unknown): string[] {
  if (error instanceof InklessHandlerError) return error.failures.flatMap((f) => stacksOf(f.error))
  if (!(error instanceof Error)) return error === undefined ? [] : [String(error)]
  if (error.cause !== undefined) return stacksOf(error.cause)
  return [error.stack ?? `${error.name}: ${error.message}`]
}

// Without a logger or onError: one record per report, the headline then one stack, errors only.
const consoleLogger: Logger = {
  error: (fields, message) =>
    console.error(
      [`[inkless-webhooks] ${message}`, ...stacksOf((fields as { err?: unknown }).err)].join('\n'),
    ),
  warn: (_fields, message) => console.warn(`[inkless-webhooks] ${message}`),
}

/** A logger that would discard `level`: pino at `silent`, or a level above it. */
const discards = (logger: Logger, level: Report['level']) => {
  const { isLevelEnabled } = logger as { isLevelEnabled?: (level: string) => boolean }
  return typeof isLevelEnabled === 'function' ? !isLevelEnabled.call(logger, level) : false
}

const codeOf = (error: Error) => (error as { code?: unknown }).code ?? 'internal'

/**
 * Sends reports to the configured logger (else the framework's request logger, unless it
 * discards them), and to `onError`; to the console when neither a logger nor onError was given.
 */
export function createReporter<E extends Error = InklessError>({
  logger,
  onError,
}: ReporterOptions<E>): Reporter<E> {
  return ({ level, error, context = {}, fields }, requestLogger) => {
    // A request logger that discards the report (Fastify's silent default) is not one.
    const framework = requestLogger && !discards(requestLogger, level) ? requestLogger : undefined
    const target = logger ?? framework ?? (onError ? undefined : consoleLogger)
    try {
      target?.[level](
        {
          code: codeOf(error),
          event: context.event?.event,
          dedupeKey: context.dedupeKey,
          tenant: context.tenant,
          listeners: context.listeners,
          ...fields,
          err: error,
        },
        error.message,
      )
    } catch {
      // A throwing logger must not turn into an unhandled rejection, change the answer, or
      // keep the report from onError.
    }
    try {
      onError?.(error, context)
    } catch {
      // Nor a throwing onError.
    }
  }
}

/** True at most once per `intervalMs` for each key: diagnostics cannot be used to flood logs. */
export function rateLimit(intervalMs: number, now: () => number) {
  const last = new Map<string, number>()
  return (key: string): boolean => {
    const at = now()
    if (at - (last.get(key) ?? Number.NEGATIVE_INFINITY) < intervalMs) return false
    last.set(key, at)
    return true
  }
}

/**
 * Counts occurrences of something clients cause (aborted or stalled uploads) and reports
 * the count at most once per interval, instead of one report each.
 */
export function countedReport(report: (count: number) => void, allowed: () => boolean): () => void {
  let count = 0
  return () => {
    count++
    if (!allowed()) return
    report(count)
    count = 0
  }
}

export const warning = (
  code: InklessWebhookError['code'],
  message: string,
  fields?: Record<string, unknown>,
): Report => ({ level: 'warn', error: new InklessWebhookError(code, message), fields })
