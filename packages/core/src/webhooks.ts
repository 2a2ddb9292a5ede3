import { createHandle } from './handle.js'
import { createListenerRegistry, type DeliveryContext, type ListenerMethods } from './listeners.js'
import { type InklessWebhooksOptions, resolveOptions } from './options.js'
import type { Platform } from './platform.js'
import { createReporter } from './report.js'
import type { HandleOptions, InklessRequest, InklessResponse } from './request.js'
import { secretsFor } from './secrets.js'

export interface InklessWebhooks extends ListenerMethods<DeliveryContext> {
  /** Answers one request according to the behaviour table; never rejects. */
  handle(request: InklessRequest, options?: HandleOptions): Promise<InklessResponse>
  /** Resolves when handlers started with `respond: 'immediately'` have settled. */
  idle(): Promise<void>
  /** The body limits in force, for adapters that bound their lingering close by them. */
  readonly limits: BodyLimits
}

/** How much body a request may send, and how fast: `maxBodyBytes` and `bodyTimeoutMs`. */
export interface BodyLimits {
  /** Largest body read, in bytes. */
  readonly maxBodyBytes: number
  /** How long a body may take to arrive, in ms. */
  readonly bodyTimeoutMs: number
}

const instanceBrand = Symbol.for('inkless-webhooks.instance')

/** True for an instance made by `createInklessWebhooks` (of any copy of core). */
export const isInklessWebhooks = (value: unknown): value is InklessWebhooks =>
  typeof value === 'object' && value !== null && instanceBrand in value

/** Builds `createInklessWebhooks` over a platform's crypto (see index.ts, web.ts). */
export function createWebhooks(
  options: InklessWebhooksOptions,
  platform: Platform,
): InklessWebhooks {
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
  return Object.assign(instance, { [instanceBrand]: true })
}
