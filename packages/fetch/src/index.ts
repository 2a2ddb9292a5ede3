/**
 * Inkless webhooks as `(request: Request) => Promise<Response>`: Next.js route handlers,
 * Hono, Bun, Deno and Workers.
 *
 * @module @inkless-webhooks/fetch
 */
import {
  type AnyInklessWebhooks,
  createInklessWebhooks,
  type InklessRequest,
  type InklessResponse,
  type InklessWebhooks,
  type InklessWebhooksOptions,
} from '@inkless-webhooks/core'
import {
  type BodySource,
  consumedBody,
  splitAdapterOptions,
  wholeBody,
} from '@inkless-webhooks/core/adapter'

/** What the platform passes beside the request: Workers' `ExecutionContext`, Next's context… */
export type FetchContext =
  | {
      /** Keeps `work` alive after the response is sent (Workers, Vercel). */
      readonly waitUntil?: (work: Promise<unknown>) => void
    }
  | object

/**
 * Hono's `Context`, as far as the handler needs it, so it mounts as it is:
 * `app.post('/webhook', handler)`. `executionCtx` exists on Workers only; elsewhere Hono's
 * getter throws, which the handler expects.
 */
export interface HonoContextLike {
  /** Hono's request wrapper. */
  readonly req: {
    /** The Web `Request` underneath, read by the handler before anything else reads it. */
    readonly raw: Request
  }
  /** Workers' `ExecutionContext`, for its `waitUntil`. */
  readonly executionCtx?: FetchContext
  /** The platform's bindings; on `@hono/node-server`, Node's own request as `incoming`. */
  readonly env?: unknown
}

/** What the fetch adapter adds to core's options. */
export interface FetchAdapterOptions {
  /**
   * Keeps `respond: 'immediately'` handlers alive after the response on platforms that
   * stop work when it is sent, e.g. `waitUntil` from `@vercel/functions`. A `waitUntil` in
   * the handler's second argument (Workers' `ExecutionContext`) takes precedence.
   */
  waitUntil?: (work: Promise<unknown>) => void
}

/** Core's options and `waitUntil`, in one object. */
export type InklessFetchOptions = InklessWebhooksOptions & FetchAdapterOptions

/** A fetch-style handler that also mounts in Hono as it is. */
export interface InklessFetchHandler {
  /** Next.js route handlers, Bun.serve, Deno.serve, Workers' `fetch(request, env, ctx)`. */
  (request: Request, context?: FetchContext): Promise<Response>
  /** A Hono handler: `app.post('/webhook', handler)`, on every runtime Hono runs on. */
  (c: HonoContextLike): Promise<Response>
  /** The core instance: add listeners later with `.webhooks.on(...)`. */
  readonly webhooks: InklessWebhooks
}

const FETCH_FIX =
  'Pass the Request before anything reads its body (in Hono: mount the handler itself, or call it before c.req.json()), or pass request.clone().'

function bodyOf(request: Request): BodySource {
  if (request.bodyUsed) return consumedBody(FETCH_FIX)
  // With a declared length, core refuses one over maxBodyBytes before asking for the body,
  // and the server stops the body at that length: arrayBuffer() is then bounded, and it is
  // the runtimes' fast path (on Node, `request.body` builds a Web stream over the socket).
  // Core still checks the size of what it got. Without one (chunked), stream under the limit.
  if (request.headers.has('content-length')) return wholeBody(() => request.arrayBuffer())
  return request.body ?? ''
}

/** Node's IncomingMessage, as far as this adapter tells it apart. */
interface NodeIncoming {
  /** Node's header object: what core reads fastest, without Hono's Headers over it. */
  readonly headers: { readonly [name: string]: string | string[] | undefined }
  readonly readableDidRead: boolean
  read(): unknown
  pause(): unknown
}

/**
 * Node's own request under Hono's Request, where `@hono/node-server` passes it
 * (`c.env.incoming`): core reads the body from it directly (as the node adapter does),
 * without the Web stream or the copies built over it.
 */
function nodeIncomingOf(c: HonoContextLike): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming
  return typeof incoming?.read === 'function' &&
    typeof incoming.pause === 'function' &&
    typeof incoming.headers === 'object'
    ? (incoming as NodeIncoming)
    : undefined
}

function nodeBodyOf(request: Request, incoming: NodeIncoming): BodySource {
  return request.bodyUsed || incoming.readableDidRead
    ? consumedBody(FETCH_FIX)
    : (incoming as unknown as BodySource)
}

function waitUntilOf(context: FetchContext | undefined) {
  const fn = (context as { waitUntil?: unknown } | undefined)?.waitUntil
  return typeof fn === 'function'
    ? (fn.bind(context) as (work: Promise<unknown>) => void)
    : undefined
}

/**
 * The Request as core reads it: `url` only when a `tenant` function asks for it (building
 * the URL string is work on Bun and Deno that a single-tenant endpoint never needs).
 */
class FetchRequest implements InklessRequest {
  readonly method: string
  constructor(
    private readonly request: Request,
    readonly headers: Headers | NodeIncoming['headers'],
    readonly rawBody: BodySource,
  ) {
    this.method = request.method
  }
  get url(): string {
    return this.request.url
  }
}

// One Headers per header set core answers with (a handful, shared by its constant answers):
// every Response copies its init's headers, and copying a Headers skips the validation
// each name and value of a plain object goes through.
const answerHeaders = new WeakMap<InklessResponse['headers'], Headers>()

function headersOf(response: InklessResponse): Headers {
  let headers = answerHeaders.get(response.headers)
  if (headers === undefined) {
    headers = new Headers(response.headers)
    answerHeaders.set(response.headers, headers)
  }
  return headers
}

/**
 * `(request: Request) => Promise<Response>` for Next.js route handlers, Bun, Deno and Workers,
 * and a Hono handler as it is: `export const POST = inklessWebhooks({ onEnvelopeComplete })`,
 * `app.post('/webhook', inklessWebhooks({ onEnvelopeComplete }))`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessFetchOptions | AnyInklessWebhooks = {},
  adapterOptions?: FetchAdapterOptions,
): InklessFetchHandler {
  const { webhooks, adapter } = splitAdapterOptions<FetchAdapterOptions>(
    optionsOrInstance,
    adapterOptions,
    ['waitUntil'],
    createInklessWebhooks,
  )
  const platformWaitUntil = (context: FetchContext | undefined) =>
    waitUntilOf(context) ?? adapter.waitUntil
  /**
   * Hono's ExecutionContext, looked up only when there is work to keep alive: outside
   * Workers its getter throws, and building that Error cost a tenth of a request's CPU.
   */
  const honoWaitUntil = (c: HonoContextLike) => (work: Promise<unknown>) => {
    let context: FetchContext | undefined
    try {
      context = c.executionCtx
    } catch {} // Node, Bun, Deno: no ExecutionContext
    platformWaitUntil(context)?.(work)
  }
  const handler = async (input: Request | HonoContextLike, second?: FetchContext) => {
    // A Request has no `req`; Hono passes (c, next), and `next` is no platform context.
    const hono = 'req' in input
    const request = hono ? input.req.raw : input
    const waitUntil = hono ? honoWaitUntil(input) : platformWaitUntil(second)
    const incoming = hono ? nodeIncomingOf(input) : undefined
    const response = await webhooks.handle(
      incoming
        ? new FetchRequest(request, incoming.headers, nodeBodyOf(request, incoming))
        : new FetchRequest(request, request.headers, bodyOf(request)),
      waitUntil ? { waitUntil } : undefined,
    )
    // @hono/node-server writes a plain header object straight to Node's response.
    const headers = incoming ? response.headers : headersOf(response)
    return new Response(response.body, { status: response.status, headers })
  }
  return Object.assign(handler, { webhooks }) as InklessFetchHandler
}
