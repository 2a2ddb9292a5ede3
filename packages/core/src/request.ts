import type { BodySource } from './body.js'
import type { HeaderSource } from './headers.js'
import type { Logger } from './report.js'

/** A framework-neutral request: adapters fill it from their own. */
export interface InklessRequest {
  /** The HTTP method; anything but POST is answered 405. */
  readonly method: string
  /** The request target (path and query), for a `tenant` function; core does not route. */
  readonly url?: string
  /** The request's headers: Node's object or a Fetch `Headers`. */
  readonly headers: HeaderSource
  /** Raw bytes, a stream of them (read up to `maxBodyBytes`), or `consumedBody(fix)`. */
  readonly rawBody: BodySource
  /**
   * Where an adapter found raw bytes an upstream body parser kept (e.g. `express.text()`),
   * named in the warning when their signature does not match.
   */
  readonly keptBy?: string
}

/** What `handle()` answers; the adapter writes it back as it is. */
export interface InklessResponse {
  /** The HTTP status, e.g. 200, 401, 409. */
  readonly status: number
  /** Lower-case names, `retry-after`, `allow` and `connection` among them where they apply. */
  readonly headers: Readonly<Record<string, string>>
  /** A short text: `ok`, `duplicate`, the handshake's secret, or what was wrong. */
  readonly body: string
}

/** What an adapter may pass to `handle()` beside the request, per request. */
export interface HandleOptions {
  /** Keeps background work alive on platforms that stop after the response (edge runtimes). */
  readonly waitUntil?: (work: Promise<unknown>) => void
  /** The framework's logger for this request (Fastify's `request.log`), when none was configured. */
  readonly logger?: Logger
}
