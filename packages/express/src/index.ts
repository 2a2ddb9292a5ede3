import {
  type InklessWebhooks,
  type InklessWebhooksOptions,
  splitAdapterOptions,
} from '@inkless-webhooks/core'
import { createNodeMiddleware, type InklessNodeMiddleware } from '@inkless-webhooks/node'

export type InklessExpressMiddleware = InklessNodeMiddleware

const EXPRESS_FIX =
  'Mount inklessWebhooks() before express.json(), or keep the raw bytes with express.json({ verify: (req, res, buf) => { req.rawBody = buf } }).'

/**
 * Express middleware: `app.post('/webhook', inklessWebhooks({ secret, onDocumentComplete }))`
 * or `app.use('/webhook', …)`. Works after `express.raw()` / `express.text()` (their body is
 * the raw bytes) and after any parser that keeps them in `req.rawBody`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessWebhooksOptions | InklessWebhooks = {},
): InklessExpressMiddleware {
  const { webhooks } = splitAdapterOptions(optionsOrInstance, undefined, [])
  return createNodeMiddleware(webhooks, {
    fix: EXPRESS_FIX,
    kept: (req) => {
      const { rawBody, body } = req as { rawBody?: unknown; body?: unknown }
      return rawBody ?? (typeof body === 'string' || body instanceof Uint8Array ? body : undefined)
    },
  })
}
