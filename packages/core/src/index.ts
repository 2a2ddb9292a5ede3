/**
 * Verify, parse and dispatch Inkless webhooks in any server: {@link createInklessWebhooks}
 * and its `handle()`, the typed events, the dedupe store, and the signing helpers. This is
 * the `node:crypto` build; Workers, Deno, edge runtimes and browsers get the same API over
 * Web Crypto through export conditions, where only the `…Async` signing helpers work.
 *
 * @module @inkless-webhooks/core
 */
import { createRequire } from 'node:module'
import {
  digest,
  signPayload,
  signPayloadAsync,
  verifySignature,
  verifySignatureAsync,
} from './crypto-node.js'
import type { InklessWebhooksOptions } from './options.js'
import type { OpenTelemetryApi } from './telemetry.js'
import { createWebhooks, type InklessWebhooks } from './webhooks.js'

// The build for Node.js and Bun: node:crypto, synchronous. web.ts is the Web Crypto twin.
export * from './public-api.js'
export { signPayload, signPayloadAsync, verifySignature, verifySignatureAsync }

// An optional peer dependency, loaded when an instance is created, as OpenTelemetry's own
// instrumentations get the API: absent, telemetry is off; present, it costs nothing until a
// provider is registered (README "Tracing and metrics").
let openTelemetryApi: OpenTelemetryApi | null | undefined
const openTelemetry = () => {
  if (openTelemetryApi === undefined) {
    try {
      openTelemetryApi = createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApi
    } catch {
      openTelemetryApi = null
    }
  }
  return openTelemetryApi ?? undefined
}

/** One webhook receiver: handlers, dedupe and `handle()`. Adapters accept it in place of options. */
export const createInklessWebhooks = (options: InklessWebhooksOptions = {}): InklessWebhooks =>
  createWebhooks(options, { verify: verifySignature, digest, openTelemetry })
