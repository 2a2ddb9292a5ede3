import {
  type InklessWebhooks,
  type InklessWebhooksOptions,
  pathMatches,
  splitAdapterOptions,
} from '@inkless-webhooks/core'
import { nodeBody, toInklessRequest } from '@inkless-webhooks/node'
import type { Middleware } from 'koa'

export interface KoaAdapterOptions {
  /** Only this path is the webhook; other requests go on to `next`. Not needed with a router. */
  path?: string
}

export type InklessKoaOptions = InklessWebhooksOptions & KoaAdapterOptions

export type InklessKoaMiddleware = Middleware & { readonly webhooks: InklessWebhooks }

const KOA_FIX =
  'Mount inklessWebhooks() before the body parser, or use one that keeps ctx.request.rawBody (koa-bodyparser, @koa/bodyparser).'

/**
 * Koa middleware: `app.use(inklessWebhooks({ path: '/webhook', secret, onDocumentSigned }))`
 * or `router.post('/webhook', inklessWebhooks({ secret, … }))`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessKoaOptions | InklessWebhooks = {},
  adapterOptions?: KoaAdapterOptions,
): InklessKoaMiddleware {
  const { webhooks, adapter } = splitAdapterOptions<KoaAdapterOptions>(
    optionsOrInstance,
    adapterOptions,
    ['path'],
  )
  const { path } = adapter
  const middleware: Middleware = async (ctx, next) => {
    if (path !== undefined && !pathMatches(ctx.url, path)) return next()
    const kept = (ctx.request as { rawBody?: unknown }).rawBody
    const response = await webhooks.handle(
      toInklessRequest(ctx.req, nodeBody(ctx.req, KOA_FIX, kept)),
    )
    ctx.status = response.status
    ctx.set(response.headers)
    ctx.body = response.body
  }
  return Object.assign(middleware, { webhooks })
}
