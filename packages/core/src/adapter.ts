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
export {
  checkOptionNames,
  type PositiveOptionRule,
  positiveOption,
  type RenamedOptionRule,
  renamedOption,
  withDeadline,
} from './checks.js'
export { closest } from './closest.js'
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
  createHeldClaims,
  createUnsettledWrites,
  type HeldClaims,
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
  // Core options beside the adapter's would be ignored, silently in JavaScript.
  const stray = Object.keys(adapterOptions ?? {}).filter(
    (key) => !(adapterKeys as readonly string[]).includes(key),
  )
  if (stray.length > 0) {
    throw new TypeError(
      `inkless-webhooks: ${stray.join(', ')} in the adapter options (the second argument) would be ignored: it takes only ${adapterKeys.join(', ')}; pass the others to createInklessWebhooks(), or in the first argument.`,
    )
  }
  const adapter: Partial<A> = { ...adapterOptions }
  let webhooks: InklessWebhooks
  if (isInklessWebhooks(optionsOrInstance)) webhooks = optionsOrInstance
  else {
    const core: Record<string, unknown> = { ...optionsOrInstance }
    for (const key of adapterKeys) {
      if (key in core) adapter[key] = core[key] as A[typeof key]
      delete core[key]
    }
    webhooks = create(core)
  }
  // A path without its leading slash would match no request: every delivery a 404.
  const { path } = adapter as { path?: unknown }
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new TypeError(
      `inkless-webhooks: \`path\` must be an absolute path such as '/webhook' (got ${JSON.stringify(path)}).`,
    )
  }
  return { webhooks, adapter }
}
