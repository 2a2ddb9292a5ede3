/**
 * Verify, parse and dispatch Inkless webhooks in any server: {@link createInklessWebhooks}
 * and its `handle()`, the typed events, the dedupe store, and the signing helpers. This is
 * the `node:crypto` build; Workers, Deno, edge runtimes and browsers get the same API over
 * Web Crypto through export conditions, where only the `…Async` signing helpers work.
 *
 * @module @inkless-webhooks/core
 */
import {
  digest,
  signPayload,
  signPayloadAsync,
  verifySignature,
  verifySignatureAsync,
} from './crypto-node.js'
import { openTelemetry } from './open-telemetry-node.js'
import type { InklessWebhooksOptions } from './options.js'
import { createWebhooks, type InklessWebhooks } from './webhooks.js'

// The build for Node.js and Bun: node:crypto, synchronous. web.ts is the Web Crypto twin.
export * from './public-api.js'
export { signPayload, signPayloadAsync, verifySignature, verifySignatureAsync }

/** One webhook receiver: handlers, dedupe and `handle()`. Adapters accept it in place of options. */
export const createInklessWebhooks = <Extras extends object = object>(
  options: InklessWebhooksOptions<Extras> = {},
): InklessWebhooks<Extras> =>
  createWebhooks(options, { verify: verifySignature, digest, openTelemetry })
