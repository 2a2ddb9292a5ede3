/**
 * Inkless webhooks in a `node:http` server or any connect-style `(req, res, next)` stack.
 *
 * @module @inkless-webhooks/node
 */
import type { AnyInklessWebhooks, InklessWebhooksOptions } from '@inkless-webhooks/core'
import { createNodeAdapter, type InklessNodeMiddleware } from './adapter.js'

export type { InklessNodeMiddleware, NextFunction } from './adapter.js'

/** What the node adapter adds to core's options. */
export interface NodeAdapterOptions {
  /** Only this path is the webhook; other requests go to `next` (or get a 404 without one). */
  path?: string
}

/** Core's options and `path`, in one object. */
export type InklessNodeOptions = InklessWebhooksOptions & NodeAdapterOptions

const NODE_FIX =
  'Let inkless-webhooks read the request stream itself, or keep the raw bytes in `req.rawBody` (Buffer or string).'

/**
 * `http.createServer(inklessWebhooks({ path: '/webhook', secret, onEvent }))`, or with an
 * existing core instance: `inklessWebhooks(instance, { path: '/webhook' })`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessNodeOptions | AnyInklessWebhooks = {},
  adapterOptions?: NodeAdapterOptions,
): InklessNodeMiddleware {
  return createNodeAdapter(optionsOrInstance, adapterOptions, {
    fix: NODE_FIX,
    kept: (req) => ({ bytes: (req as { rawBody?: unknown }).rawBody, by: 'req.rawBody' }),
  })
}
