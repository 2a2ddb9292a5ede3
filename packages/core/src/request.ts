import type { BodySource } from './body.js'
import type { HeaderSource } from './headers.js'
import type { Logger } from './report.js'

/** A framework-neutral request: adapters fill it from their own. */
export interface InklessRequest {
  readonly method: string
  readonly url?: string
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
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface HandleOptions {
  /** Keeps background work alive on platforms that stop after the response (edge runtimes). */
  readonly waitUntil?: (work: Promise<unknown>) => void
  /** The framework's logger for this request (Fastify's `request.log`), when none was configured. */
  readonly logger?: Logger
}
