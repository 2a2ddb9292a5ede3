/**
 * For adapter authors: what a framework adapter or a processing end (a queue worker) needs
 * from core beside its main entry. Applications do not need it.
 *
 * @module @inkless-webhooks/core/adapter
 */
// `@inkless-webhooks/core/adapter`: the seam for adapter authors and processing ends (a
// queue worker), not for applications. An adapter turns its framework's request into an
// `InklessRequest` and writes the `InklessResponse` back; every rule lives in core.
import type { InklessWebhooksOptions } from './options.js'
import { type AnyInklessWebhooks, type InklessWebhooks, isInklessWebhooks } from './webhooks.js'

export { type BodySource, type ConsumedBody, consumedBody, wholeBody } from './body.js'
export { type PositiveOptionRule, positiveOption, withDeadline } from './checks.js'
export { getHeader } from './headers.js'
export {
  createListenerRegistry,
  eventCallbackNames,
  isEventCallbackName,
  type ListenerAround,
  type ListenerRegistry,
} from './listeners.js'
export { pathMatches } from './path.js'
// Every type of the main entry, so that what this entry's signatures name can be named here.
export type * from './public-api.js'
export {
  createUnsettledWrites,
  type SettleWrites,
  type UnsettledWrites,
} from './unsettled.js'

/**
 * What every adapter accepts: `{ ...adapter options, ...core options }`, or a core instance
 * with the adapter options beside it. Returns the instance (made with `create`, the
 * adapter's own `createInklessWebhooks` import, so the right crypto build is used) and the
 * adapter's options.
 */
export function splitAdapterOptions<A extends object>(
  optionsOrInstance: (InklessWebhooksOptions & A) | AnyInklessWebhooks | undefined,
  adapterOptions: A | undefined,
  adapterKeys: readonly (keyof A & string)[],
  create: (options: InklessWebhooksOptions) => InklessWebhooks,
): {
  /** The instance given, or one created from the core options. */
  webhooks: InklessWebhooks
  /** The adapter's own options, wherever they were given. */
  adapter: Partial<A>
} {
  const adapter: Partial<A> = { ...adapterOptions }
  if (isInklessWebhooks(optionsOrInstance)) return { webhooks: optionsOrInstance, adapter }
  const core: Record<string, unknown> = { ...optionsOrInstance }
  for (const key of adapterKeys) {
    if (key in core) adapter[key] = core[key] as A[typeof key]
    delete core[key]
  }
  return { webhooks: create(core), adapter }
}
