import { InklessHandlerError, InklessWebhookError, type ListenerFailure } from '../errors.js'
import type { DeliveryContext } from '../listeners.js'
import { isThenable, type MaybePromise } from '../maybe-async.js'
import type { InklessResponse } from '../request.js'
import * as answer from '../responses.js'
import type { StepContext } from './context.js'
import type { Claimed, Path } from './stages.js'

/** The listeners, in the request or (`respond: 'immediately'`) after the answer. Always answers. */
export function dispatchStep(context: StepContext): Path<Claimed> {
  const { config, listeners, pending } = context
  const settle = settler(context)
  return (d) => {
    const contextClaim = typeof d.claim === 'object' ? d.claim : undefined
    const deliveryContext: DeliveryContext = {
      dedupeKey: d.dedupeKey,
      rawBody: d.rawBody,
      headers: d.request.headers,
      receivedAt: d.receivedAt,
      ...(d.tenant === undefined ? {} : { tenant: d.tenant }),
      ...contextClaim?.context,
    }
    const ran = listeners.run(d.event, deliveryContext, d.recording?.listener)
    // A context claim's 200 means committed: it is answered after settling, always.
    if (!config.respondImmediately || contextClaim) {
      return isThenable(ran) ? ran.then((failures) => settle(d, failures)) : settle(d, ran)
    }
    const settled = Promise.resolve(ran).then((failures) =>
      Promise.resolve(settle(d, failures)).then(() => failures.length === 0),
    )
    const work = settled.then(() => {
      pending.delete(work)
    })
    pending.add(work)
    d.recording?.endAfter(settled)
    d.options?.waitUntil?.(work)
    return answer.OK
  }
}

/**
 * Completes or releases the claim, then reports failures; resolves to the answer: 200, 500
 * when a listener threw, 503 when a context claim's `complete` (its commit) failed.
 */
function settler({ config, store, report }: StepContext) {
  /** Reports the listeners' failures, if any; returns the answer. */
  const reported = (
    d: Claimed,
    failures: readonly ListenerFailure[],
    answered: InklessResponse,
  ): InklessResponse => {
    if (failures.length === 0) return answered
    report(
      d,
      {
        level: 'error',
        error: new InklessHandlerError(d.event.event, failures),
        context: { listeners: failures.map((f) => f.listener) },
        fields: { reason: 'handler_failed' },
      },
      answered,
    )
    return answered
  }
  /** Reports a store that failed to record the outcome; returns the answer then. */
  const recordFailed = (
    d: Claimed,
    failures: readonly ListenerFailure[],
    answered: InklessResponse,
    error: unknown,
  ): InklessResponse => {
    // A context claim that could not complete (commit) did not happen: Inkless retries.
    const uncommitted = typeof d.claim === 'object' && failures.length === 0
    const outcome = uncommitted ? answer.STORE_DOWN : answered
    report(
      d,
      {
        level: 'error',
        error: new InklessWebhookError(
          'store_unavailable',
          uncommitted
            ? "The dedupe store could not complete the delivery's claim (commit); answered 503 so Inkless retries."
            : 'The dedupe store failed to record the outcome of a delivery.',
          { cause: error },
        ),
      },
      outcome,
    )
    return outcome
  }
  return (d: Claimed, failures: readonly ListenerFailure[]): MaybePromise<InklessResponse> => {
    const claim = typeof d.claim === 'object' ? d.claim : undefined
    // What Inkless got, or gets: 200 already with `respond: 'immediately'`.
    const answered =
      failures.length > 0 && (claim || !config.respondImmediately)
        ? answer.HANDLER_FAILED
        : answer.OK
    if (d.claim === undefined || !store) return reported(d, failures, answered)
    try {
      const recorded =
        failures.length === 0
          ? store.complete(d.dedupeKey, claim)
          : store.release(d.dedupeKey, claim)
      if (isThenable(recorded)) {
        return Promise.resolve(recorded).then(
          () => reported(d, failures, answered),
          (error: unknown) => reported(d, failures, recordFailed(d, failures, answered, error)),
        )
      }
    } catch (error) {
      return reported(d, failures, recordFailed(d, failures, answered, error))
    }
    return reported(d, failures, answered)
  }
}
