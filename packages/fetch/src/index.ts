import {
  type BodySource,
  consumedBody,
  type InklessWebhooks,
  type InklessWebhooksOptions,
  splitAdapterOptions,
} from '@inkless-webhooks/core'

/** What the platform passes beside the request: Workers' `ExecutionContext`, Next's context… */
export type FetchContext = { readonly waitUntil?: (work: Promise<unknown>) => void } | object

export interface FetchAdapterOptions {
  /**
   * Keeps `respond: 'immediately'` handlers alive after the response on platforms that
   * stop work when it is sent, e.g. `waitUntil` from `@vercel/functions`. A `waitUntil` in
   * the handler's second argument (Workers' `ExecutionContext`) takes precedence.
   */
  waitUntil?: (work: Promise<unknown>) => void
}

export type InklessFetchOptions = InklessWebhooksOptions & FetchAdapterOptions

export interface InklessFetchHandler {
  (request: Request, context?: FetchContext): Promise<Response>
  /** The core instance: add listeners later with `.webhooks.on(...)`. */
  readonly webhooks: InklessWebhooks
}

const FETCH_FIX =
  'Pass the Request before anything reads its body (in Hono: handler(c.req.raw) before c.req.json()), or pass request.clone().'

function bodyOf(request: Request): BodySource {
  if (request.bodyUsed) return consumedBody(FETCH_FIX)
  return request.body ?? ''
}

function waitUntilOf(context: FetchContext | undefined) {
  const fn = (context as { waitUntil?: unknown } | undefined)?.waitUntil
  return typeof fn === 'function'
    ? (fn.bind(context) as (work: Promise<unknown>) => void)
    : undefined
}

/**
 * `(request: Request) => Promise<Response>` for Next.js route handlers, Hono, Bun, Deno and
 * Workers: `export const POST = inklessWebhooks({ onEnvelopeComplete })`.
 */
export function inklessWebhooks(
  optionsOrInstance: InklessFetchOptions | InklessWebhooks = {},
  adapterOptions?: FetchAdapterOptions,
): InklessFetchHandler {
  const { webhooks, adapter } = splitAdapterOptions<FetchAdapterOptions>(
    optionsOrInstance,
    adapterOptions,
    ['waitUntil'],
  )
  const handler = async (request: Request, context?: FetchContext) => {
    const waitUntil = waitUntilOf(context) ?? adapter.waitUntil
    const response = await webhooks.handle(
      {
        method: request.method,
        url: request.url,
        headers: request.headers,
        rawBody: bodyOf(request),
      },
      waitUntil ? { waitUntil } : undefined,
    )
    return new Response(response.body, { status: response.status, headers: response.headers })
  }
  return Object.assign(handler, { webhooks })
}
