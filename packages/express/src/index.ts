/**
 * Express (5 and 4) middleware for Inkless webhooks.
 *
 * @module @inkless-webhooks/express
 */
import type { AnyInklessWebhooks, InklessWebhooksOptions } from '@inkless-webhooks/core'
import { createNodeAdapter, type InklessNodeMiddleware } from '@inkless-webhooks/node/adapter'

/** What the Express adapter adds to core's options, as every adapter takes them. */
export interface ExpressAdapterOptions {
  /**
   * Only this path is the webhook; other requests go on to `next`. Not needed when mounted
   * on a route (`app.post('/webhook', …)`).
   */
  path?: string
}

/** Core's options and `path`, in one object. */
export type InklessExpressOptions = InklessWebhooksOptions & ExpressAdapterOptions

/** Express middleware, with the core instance as `.webhooks`. */
export type InklessExpressMiddleware = InklessNodeMiddleware

const EXPRESS_FIX =
  'Mount inklessWebhooks() before express.json(), or keep the raw bytes with express.json({ verify: (req, res, buf) => { req.rawBody = buf } }).'
const NEST_FIX =
  'In a NestJS app, create it with NestFactory.create(AppModule, { rawBody: true }) so that Nest keeps the bytes in req.rawBody, or use @inkless-webhooks/nestjs, which mounts the route ahead of the body parsers.'

// Called only for a consumed body, synchronously from the route: a NestJS controller that
// called the middleware is then on the stack (Nest's JSON parser consumed the body).
function fixFor(): string {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 30
  const stack = new Error().stack ?? ''
  Error.stackTraceLimit = limit
  return /[\\/]@nestjs[\\/]core[\\/]/.test(stack) ? NEST_FIX : EXPRESS_FIX
}

/**
 * Express middleware: `app.post('/webhook', inklessWebhooks({ secret, onDocumentComplete }))`
 * or `app.use('/webhook', …)`. Works after `express.raw()` / `express.text()` (their body is
 * the raw bytes) and after any parser that keeps them in `req.rawBody`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessExpressOptions | AnyInklessWebhooks = {},
  adapterOptions?: ExpressAdapterOptions,
): InklessExpressMiddleware {
  return createNodeAdapter(optionsOrInstance, adapterOptions, {
    fix: fixFor,
    kept: (req) => {
      const { rawBody, body } = req as { rawBody?: unknown; body?: unknown }
      if (rawBody !== undefined) return { bytes: rawBody, by: 'req.rawBody' }
      return { bytes: body, by: typeof body === 'string' ? 'express.text()' : 'express.raw()' }
    },
  })
}
