import type { RawBody } from './body.js'
import type { MaybePromise } from './maybe-async.js'
import type { OpenTelemetryApi } from './telemetry.js'

/** What differs between the node:crypto and the Web Crypto builds. */
export interface Platform {
  /** True when `header` is the signature of `rawBody` under one of `secrets`; never throws. */
  verify(rawBody: RawBody, header: unknown, secrets: readonly string[]): MaybePromise<boolean>
  /** base64url SHA-256 of a UTF-8 string. */
  digest(text: string): MaybePromise<string>
  /** `@opentelemetry/api` when installed and loadable without a bundler's help (Node, Bun). */
  openTelemetry?(): OpenTelemetryApi | undefined
}
