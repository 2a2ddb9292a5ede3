import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type BodySource,
  consumedBody,
  type InklessRequest,
  type InklessResponse,
  type InklessWebhooks,
  type InklessWebhooksOptions,
  pathMatches,
  splitAdapterOptions,
} from '@inkless-webhooks/core'

export interface NodeAdapterOptions {
  /** Only this path is the webhook; other requests go to `next` (or get a 404 without one). */
  path?: string
}

export type InklessNodeOptions = InklessWebhooksOptions & NodeAdapterOptions

export type NextFunction = (error?: unknown) => void

export interface InklessNodeMiddleware {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): Promise<void>
  /** The core instance: add listeners later with `.webhooks.on(...)`. */
  readonly webhooks: InklessWebhooks
}

const NODE_FIX =
  'Let inkless-webhooks read the request stream itself, or keep the raw bytes in `req.rawBody` (Buffer or string).'

/**
 * The body as the adapter hands it to core: bytes an upstream parser kept, a marker when
 * the stream was already drained without keeping them, or the stream itself (core reads it
 * up to the size limit and stops without destroying it, so a 413 can still be sent).
 */
export function nodeBody(req: IncomingMessage, fix: string, kept: unknown): BodySource {
  if (typeof kept === 'string' || kept instanceof Uint8Array) return kept
  if (req.readableEnded || (req as { _body?: unknown })._body === true) return consumedBody(fix)
  return req
}

export const toInklessRequest = (req: IncomingMessage, rawBody: BodySource): InklessRequest => ({
  method: req.method ?? 'GET',
  url: req.url,
  headers: req.headers,
  rawBody,
})

export function writeResponse(res: ServerResponse, response: InklessResponse): void {
  // A Content-Length instead of chunked encoding: the body is known and short.
  const length = { 'content-length': String(Buffer.byteLength(response.body)) }
  res.writeHead(response.status, { ...response.headers, ...length }).end(response.body)
}

export interface NodeMiddlewareSettings {
  readonly path?: string | undefined
  /** How to keep the raw body with this framework, shown when a parser consumed it. */
  readonly fix: string
  /** Raw bytes an upstream parser kept, if any. */
  readonly kept: (req: IncomingMessage) => unknown
}

/** Creates a webhook handler for node:http servers and connect-style middleware stacks. */
export function createNodeMiddleware(
  webhooks: InklessWebhooks,
  { path, fix, kept }: NodeMiddlewareSettings,
): InklessNodeMiddleware {
  const middleware = async (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => {
    if (path !== undefined && !pathMatches(req.url, path)) {
      if (next) return next()
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found')
      return
    }
    const rawBody = nodeBody(req, fix, kept(req))
    writeResponse(res, await webhooks.handle(toInklessRequest(req, rawBody)))
  }
  return Object.assign(middleware, { webhooks })
}

/**
 * `http.createServer(inklessWebhooks({ path: '/webhook', secret, onEvent }))`, or with an
 * existing core instance: `inklessWebhooks(instance, { path: '/webhook' })`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessNodeOptions | InklessWebhooks = {},
  adapterOptions?: NodeAdapterOptions,
): InklessNodeMiddleware {
  const { webhooks, adapter } = splitAdapterOptions<NodeAdapterOptions>(
    optionsOrInstance,
    adapterOptions,
    ['path'],
  )
  return createNodeMiddleware(webhooks, {
    path: adapter.path,
    fix: NODE_FIX,
    kept: (req) => (req as { rawBody?: unknown }).rawBody,
  })
}
