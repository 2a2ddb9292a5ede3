import { createHandle } from './handle.js'
import {
  createListenerRegistry,
  type DeliveryContextWith,
  type ListenerMethods,
} from './listeners.js'
import { type InklessWebhooksOptions, resolveOptions } from './options.js'
import type { Platform } from './platform.js'
import { createReporter } from './report.js'
import type { HandleOptions, InklessRequest, InklessResponse } from './request.js'
import { secretsFor } from './secrets.js'

/**
 * A receiver made by `createInklessWebhooks`. `Extras` is what its dedupe store adds to each
 * listener's context (none by default).
 */
export interface InklessWebhooks<Extras extends object = object>
  extends ListenerMethods<DeliveryContextWith<Extras>> {
  /** Answers one request according to the behaviour table; never rejects. */
  handle(request: InklessRequest, options?: HandleOptions): Promise<InklessResponse>
  /** Resolves when handlers started with `respond: 'immediately'` have settled. */
  idle(): Promise<void>
  /** The body limits in force, for adapters that bound their lingering close by them. */
  readonly limits: BodyLimits
}

/**
 * Any instance, whatever its dedupe store adds to the listeners' context: what the adapters
 * accept. `InklessWebhooks<Extras>` is not assignable to `InklessWebhooks` (its listeners
 * take a wider context), and an adapter only calls `handle`, `idle` and `limits`.
 */
// biome-ignore lint/suspicious/noExplicitAny: `any` is the one argument every Extras is assignable to.
export type AnyInklessWebhooks = InklessWebhooks<any>

/** How much body a request may send, and how fast: `maxBodyBytes` and `bodyTimeoutMs`. */
export interface BodyLimits {
  /** Largest body read, in bytes. */
  readonly maxBodyBytes: number
  /** How long a body may take to arrive, in ms. */
  readonly bodyTimeoutMs: number
}

const instanceBrand = Symbol.for('inkless-webhooks.instance')

/**
 * True for an instance made by `createInklessWebhooks` (of any copy of core, with any
 * store: so the narrowed type is {@link AnyInklessWebhooks}).
 */
export const isInklessWebhooks = (value: unknown): value is AnyInklessWebhooks =>
  typeof value === 'object' && value !== null && instanceBrand in value

/** Builds `createInklessWebhooks` over a platform's crypto (see index.ts, web.ts). */
export function createWebhooks<Extras extends object>(
  typed: InklessWebhooksOptions<Extras>,
  platform: Platform,
): InklessWebhooks<Extras> {
  // Inside, listeners are called with whatever context the store's claim adds.
  const options = typed as unknown as InklessWebhooksOptions
  const config = resolveOptions(options)
  const listeners = createListenerRegistry(options)
  const pending = new Set<Promise<void>>()
  const handle = createHandle({
    options,
    config,
    platform,
    secretsFor: secretsFor(options.secret, {
      ttlMs: config.secretCacheMs,
      timeoutMs: config.secretLookupTimeoutMs,
      maxBytes: 4 * 1024 * 1024,
      now: config.now,
    }),
    listeners,
    report: createReporter(options),
    pending,
  })
  const noListenersWithQueue = () => {
    if (options.queue) {
      throw new TypeError(
        'inkless-webhooks: with `queue`, listeners belong to the worker: pass them to createInklessWorker().',
      )
    }
  }
  const instance: InklessWebhooks = {
    on(name, fn) {
      noListenersWithQueue()
      return listeners.on(name, fn)
    },
    onAny(fn) {
      noListenersWithQueue()
      return listeners.onAny(fn)
    },
    off: listeners.off,
    offAny: listeners.offAny,
    handle,
    limits: { maxBodyBytes: config.maxBodyBytes, bodyTimeoutMs: config.bodyTimeoutMs },
    async idle() {
      while (pending.size > 0) await Promise.all(pending)
    },
  }
  // The listeners' context type is the caller's: the store's claims supply the extras.
  return Object.assign(instance, { [instanceBrand]: true }) as unknown as InklessWebhooks<Extras>
}
