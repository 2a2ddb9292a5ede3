/**
 * Koa middleware for Inkless webhooks.
 *
 * @module @inkless-webhooks/koa
 */
import {
  type AnyInklessWebhooks,
  createInklessWebhooks,
  type InklessWebhooks,
  type InklessWebhooksOptions,
} from '@inkless-webhooks/core'
import { pathMatches, splitAdapterOptions } from '@inkless-webhooks/core/adapter'
import { lingerIfUnread, requestLogger, toInklessRequest } from '@inkless-webhooks/node/adapter'
import type { Middleware } from 'koa'

/** What the Koa adapter adds to core's options. */
export interface KoaAdapterOptions {
  /** Only this path is the webhook; other requests go on to `next`. Not needed with a router. */
  path?: string
}

/** Core's options and `path`, in one object. */
export type InklessKoaOptions = InklessWebhooksOptions & KoaAdapterOptions

/** Koa middleware, with the core instance as `.webhooks`. */
export type InklessKoaMiddleware = Middleware & {
  /** The core instance: add listeners later with `.webhooks.on(...)`. */
  readonly webhooks: InklessWebhooks
}

const KOA_FIX =
  'Mount inklessWebhooks() before the body parser, or use one that keeps ctx.request.rawBody (koa-bodyparser, @koa/bodyparser).'

/**
 * Koa middleware: `app.use(inklessWebhooks({ path: '/webhook', secret, onDocumentSigned }))`
 * or `router.post('/webhook', inklessWebhooks({ secret, … }))`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessKoaOptions | AnyInklessWebhooks = {},
  adapterOptions?: KoaAdapterOptions,
): InklessKoaMiddleware {
  const { webhooks, adapter } = splitAdapterOptions<KoaAdapterOptions>(
    optionsOrInstance,
    adapterOptions,
    ['path'],
    createInklessWebhooks,
  )
  const { path } = adapter
  const middleware: Middleware = async (ctx, next) => {
    if (path !== undefined && !pathMatches(ctx.url, path)) return next()
    const kept = {
      bytes: (ctx.request as { rawBody?: unknown }).rawBody,
      by: 'ctx.request.rawBody',
    }
    const response = await webhooks.handle(
      toInklessRequest(ctx.req, KOA_FIX, kept),
      requestLogger(ctx),
    )
    lingerIfUnread(ctx.req, response, webhooks.limits)
    ctx.status = response.status
    ctx.set(response.headers)
    ctx.body = response.body
  }
  return Object.assign(middleware, { webhooks })
}
