/**
 * For adapter authors on Node's http server: turning an `IncomingMessage` into core's request
 * and writing core's answer back, as the express, koa and fastify adapters do.
 *
 * @module @inkless-webhooks/node/adapter
 */
// `@inkless-webhooks/node/adapter`: what the express, koa and fastify adapters share, for
// adapter authors on Node's http server. Applications use the package's main entry.
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type AnyInklessWebhooks,
  type BodyLimits,
  createInklessWebhooks,
  type HandleOptions,
  type InklessRequest,
  type InklessResponse,
  type InklessWebhooks,
  type InklessWebhooksOptions,
  type Logger,
} from '@inkless-webhooks/core'
import {
  type BodySource,
  consumedBody,
  pathMatches,
  splitAdapterOptions,
} from '@inkless-webhooks/core/adapter'

/** The `next` of connect-style stacks: called for requests that are not the webhook's. */
export type NextFunction = (error?: unknown) => void

/** A `node:http` request listener that is also connect-style middleware. */
export interface InklessNodeMiddleware {
  /**
   * Answers the webhook request; another path goes to `next`, or gets 404 without one.
   * Resolves once the answer is written.
   */
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): Promise<void>
  /** The core instance: add listeners later with `.webhooks.on(...)`. */
  readonly webhooks: InklessWebhooks
}

/** Raw bytes an upstream body parser kept, and how to name it in a signature warning. */
export interface KeptBody {
  /** What the parser left, used only when it is a string or bytes. */
  readonly bytes: unknown
  /** Where the bytes were found, e.g. `req.rawBody` or `express.text()`. */
  readonly by: string
}

/**
 * The request as core reads it: bytes an upstream parser kept, a marker when the stream was
 * already drained without keeping them (the answer is a 500 naming `fix`, a function being
 * called then, while the framework's call stack is still there to look at), or the stream,
 * which core reads when it needs the body (after its early answers), up to the size limit
 * and deadline, without destroying it.
 */
export function toInklessRequest(
  req: IncomingMessage,
  fix: string | (() => string),
  kept?: KeptBody,
): InklessRequest {
  const bytes = kept?.bytes
  let rawBody: BodySource | undefined
  let keptBy: string | undefined
  if (typeof bytes === 'string' || bytes instanceof Uint8Array) {
    rawBody = bytes
    keptBy = kept?.by
  } else if (req.readableEnded || (req as { _body?: unknown })._body === true) {
    rawBody = consumedBody(typeof fix === 'string' ? fix : fix())
  }
  return {
    method: req.method ?? 'GET',
    url: req.url,
    headers: req.headers,
    rawBody: rawBody ?? req,
    ...(keptBy === undefined ? {} : { keptBy }),
  }
}

// Lingering close, as nginx does it: after an early answer (413, 404, 405, 408) the client
// may still be sending. Closing at once makes the kernel reset the connection, and a client
// that sends its whole body before reading (most HTTP libraries) never sees the status. So
// the answer is sent with `Connection: close`, the write side is shut (FIN), and incoming
// bytes are read and discarded up to bounds relative to the body limits before the socket is
// destroyed: eight times `maxBodyBytes` (1 to 16 MiB), and `bodyTimeoutMs` (5 s at most).
const MiB = 1024 * 1024
const DEFAULT_LIMITS: BodyLimits = { maxBodyBytes: 100 * 1024, bodyTimeoutMs: 10_000 }

const lingerBytes = ({ maxBodyBytes }: BodyLimits) =>
  Math.min(16 * MiB, Math.max(MiB, 8 * maxBodyBytes))

/**
 * Call before writing `response`: when it closes a connection whose request body was not
 * read to the end, Node's server would read the rest without bound (or destroy the socket
 * right after the answer); this makes it linger within the bounds instead. Pass the
 * instance's `limits` (`webhooks.limits`).
 */
export function lingerIfUnread(
  req: IncomingMessage,
  response: InklessResponse,
  limits: BodyLimits = DEFAULT_LIMITS,
): void {
  const socket = req.socket as IncomingMessage['socket'] & { destroySoon(): void }
  if (response.headers.connection !== 'close' || req.complete || !socket) return
  const maxBytes = lingerBytes(limits)
  const maxMs = Math.min(5_000, limits.bodyTimeoutMs)
  // Read and drop the rest from now on: the parser reads on only while the request flows,
  // and a request nobody reads is dumped without events, so the bound could not be kept.
  let discarded = 0
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length
    if (discarded > maxBytes) socket.destroy()
  })
  req.resume()
  const destroySoon = socket.destroySoon.bind(socket)
  socket.destroySoon = () => {
    if (req.complete) return destroySoon()
    const timer = setTimeout(() => socket.destroy(), maxMs)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
    req.once('end', () => socket.destroy())
    socket.end()
  }
}

/**
 * The framework's per-request logger, where one is attached (pino-http's `req.log`,
 * koa-pino-logger's `ctx.log`): used when no `logger` option was given.
 */
export function requestLogger(holder: unknown): HandleOptions | undefined {
  const log = (holder as { log?: Partial<Logger> } | undefined)?.log
  return typeof log?.error === 'function' && typeof log.warn === 'function'
    ? { logger: log as Logger }
    : undefined
}

// Each answer's header lines with its Content-Length, as the flat [name, value, ...] list
// `writeHead` takes, built once per answer (core's answers are constants, bar the
// handshake's and an invalid payload's): a headers object spread per request cost about
// 3 µs more in `writeHead` than this list.
const headLines = new WeakMap<InklessResponse, string[]>()

function headLinesOf(response: InklessResponse): string[] {
  let lines = headLines.get(response)
  if (lines === undefined) {
    lines = Object.entries(response.headers).flat()
    lines.push('content-length', String(Buffer.byteLength(response.body)))
    headLines.set(response, lines)
  }
  return lines
}

/** Writes core's answer with a Content-Length (the body is known and short). */
export function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: InklessResponse,
  limits?: BodyLimits,
): void {
  lingerIfUnread(req, response, limits)
  res.writeHead(response.status, headLinesOf(response)).end(response.body)
}

// Another path, without a `next`: its body is not read either.
const NOT_FOUND: InklessResponse = {
  status: 404,
  headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
  body: 'not found',
}

/** How {@link createNodeMiddleware} fits one framework. */
export interface NodeMiddlewareSettings {
  /** Only this path is the webhook; undefined: every request that reaches the middleware. */
  readonly path?: string | undefined
  /** How to keep the raw body with this framework, shown when a parser consumed it. */
  readonly fix: string | (() => string)
  /** Raw bytes an upstream parser kept, if any. */
  readonly kept: (req: IncomingMessage) => KeptBody | undefined
}

/** A webhook handler for node:http servers and connect-style middleware stacks. */
export function createNodeMiddleware(
  webhooks: InklessWebhooks,
  { path, fix, kept }: NodeMiddlewareSettings,
): InklessNodeMiddleware {
  const middleware = async (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => {
    if (path !== undefined && !pathMatches(req.url, path)) {
      if (next) return next()
      return writeResponse(req, res, NOT_FOUND, webhooks.limits)
    }
    const request = toInklessRequest(req, fix, kept(req))
    writeResponse(req, res, await webhooks.handle(request, requestLogger(req)), webhooks.limits)
  }
  return Object.assign(middleware, { webhooks })
}

/** The adapter options of the node and express adapters: where the webhook is. */
export interface PathOption {
  /** Only this path is the webhook; undefined: every request that reaches the middleware. */
  path?: string
}

/**
 * An adapter's `inklessWebhooks(optionsOrInstance, adapterOptions)` on
 * {@link createNodeMiddleware}: core's options with `path`, or an instance with `{ path }`.
 */
export function createNodeAdapter(
  optionsOrInstance: (InklessWebhooksOptions & PathOption) | AnyInklessWebhooks,
  adapterOptions: PathOption | undefined,
  settings: Omit<NodeMiddlewareSettings, 'path'>,
): InklessNodeMiddleware {
  const { webhooks, adapter } = splitAdapterOptions<PathOption>(
    optionsOrInstance,
    adapterOptions,
    ['path'],
    createInklessWebhooks,
  )
  return createNodeMiddleware(webhooks, { ...settings, path: adapter.path })
}
