import { sharedDeadline } from '../deadlines.js'
import type { DedupeStore } from '../dedupe.js'
import { type InklessErrorCode, InklessWebhookError } from '../errors.js'
import type { ListenerRegistry } from '../listeners.js'
import type { InklessWebhooksOptions, ResolvedOptions } from '../options.js'
import { reasonOf } from '../outcome.js'
import type { Platform } from '../platform.js'
import { countedReport, type Report, type Reporter, rateLimit } from '../report.js'
import type { InklessResponse } from '../request.js'
import type { SecretsFor } from '../secrets.js'
import { createTelemetry, type Telemetry } from '../telemetry.js'
import type { DeliveryFacts } from './stages.js'

/** What `createHandle` is built from (see webhooks.ts). */
export interface HandlerParts {
  readonly options: InklessWebhooksOptions
  readonly config: ResolvedOptions
  readonly platform: Platform
  readonly secretsFor: SecretsFor
  readonly listeners: ListenerRegistry
  readonly report: Reporter
  /** Background work of `respond: 'immediately'`, for `idle()`. */
  readonly pending: Set<Promise<void>>
}

/** What the steps share: the instance's parts and the reports that name a delivery. */
export interface StepContext extends Omit<HandlerParts, 'report'> {
  /** The dedupe store (timed when telemetry is on); undefined with `dedupe: false` or a queue. */
  readonly store: DedupeStore | undefined
  readonly telemetry: Telemetry | undefined
  /** Reports with the delivery (event, dedupeKey, tenant) and, when known, its answer. */
  report(d: DeliveryFacts, entry: Report, answered?: InklessResponse): void
  /** Like `report`, at most once a minute per error code: for diagnostics. */
  reportOnce(
    d: DeliveryFacts,
    entry: Report & { error: InklessWebhookError },
    answered: InklessResponse,
  ): void
  /** True at most once a minute per code. */
  allowed(code: string): boolean
  /**
   * A counter of something clients can cause on every request (aborted or stalled uploads, a
   * `tenant()` that throws, failing lookups), reported at most once a minute with its count
   * and the last cause.
   */
  counted(
    code: InklessErrorCode,
    answered: InklessResponse,
    what: string,
    level?: Report['level'],
    advice?: string,
  ): (d: DeliveryFacts, error?: unknown) => void
  /** The deadline shared by body reads: real time, not `now`, since it bounds a held socket. */
  readonly bodyDeadline: ReturnType<typeof sharedDeadline>
}

const DIAGNOSTIC_INTERVAL_MS = 60_000

export function createStepContext(parts: HandlerParts): StepContext {
  const { options, config, platform } = parts
  const api =
    options.telemetry === false ? undefined : (options.telemetry?.api ?? platform.openTelemetry?.())
  const telemetry = api && createTelemetry(api, { queued: options.queue !== undefined })
  const allowed = rateLimit(DIAGNOSTIC_INTERVAL_MS, config.now)
  const report: StepContext['report'] = (d, entry, answered) =>
    parts.report(
      {
        ...entry,
        context: { ...contextOf(d), ...entry.context },
        fields:
          answered === undefined
            ? entry.fields
            : { status: answered.status, reason: reasonOf(answered), ...entry.fields },
      },
      d.options?.logger,
    )
  return {
    ...parts,
    telemetry,
    // A store passed as `dedupe` is timed; the default in-memory one answers in microseconds.
    store: telemetry && options.dedupe ? telemetry.store(options.dedupe) : config.store,
    report,
    reportOnce(d, entry, answered) {
      if (allowed(entry.error.code)) report(d, entry, answered)
    },
    allowed,
    counted(code, answered, what, level = 'warn', advice = '') {
      // Reported with the last delivery counted.
      let last: DeliveryFacts = { options: undefined }
      let cause: unknown
      const count = countedReport(
        (n) =>
          report(
            last,
            {
              level,
              error: new InklessWebhookError(
                code,
                `${n} request(s) ${what} in the last minute${advice}.`,
                cause === undefined ? undefined : { cause },
              ),
              fields: { count: n },
            },
            answered,
          ),
        () => allowed(code),
      )
      return (d, error) => {
        last = d
        cause = error
        count()
      }
    },
    bodyDeadline: sharedDeadline(config.bodyTimeoutMs),
  }
}

const contextOf = (d: DeliveryFacts) => ({
  event: d.event,
  dedupeKey: d.dedupeKey,
  ...(d.tenant === undefined ? {} : { tenant: d.tenant }),
})
