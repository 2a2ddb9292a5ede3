/**
 * Verify, parse and dispatch Inkless webhooks in any server: {@link createInklessWebhooks}
 * and its `handle()`, the typed events, the dedupe store, and the signing helpers. This is
 * the `node:crypto` build; Workers, Deno, edge runtimes and browsers get the same API over
 * Web Crypto through export conditions, where only the `…Async` signing helpers work.
 *
 * @module @inkless-webhooks/core
 */

import type { RawBody } from './body.js'
import { type ConstructEventOptions, type ConstructedEvent, eventOf } from './construct-event.js'
import {
  digest,
  signPayload,
  signPayloadAsync,
  verifySignature,
  verifySignatureAsync,
} from './crypto-node.js'
import { openTelemetry } from './open-telemetry-node.js'
import type { InklessWebhooksOptions } from './options.js'
import type { Secrets } from './secrets.js'
import { createWebhooks, type InklessWebhooks } from './webhooks.js'

export type { ConstructEventOptions, ConstructedEvent } from './construct-event.js'
// The build for Node.js and Bun: node:crypto, synchronous. web.ts is the Web Crypto twin.
export * from './public-api.js'
export { signPayload, signPayloadAsync, verifySignature, verifySignatureAsync }

/**
 * Verifies `rawBody` against the `X-Inkless-Signature` header under `secrets` (one, or
 * several during rotation), parses it and returns the typed event, or throws an
 * `InklessWebhookError`: `signature_rejected`, `invalid_payload` (not an event, or the
 * handshake), `stale_timestamp` (with `toleranceMs`). Synchronous: needs node:crypto
 * (Node, Bun); {@link constructEventAsync} works everywhere.
 */
export function constructEvent(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
  options?: ConstructEventOptions,
): ConstructedEvent {
  return eventOf(verifySignature(rawBody, signatureHeader, secrets), rawBody, options)
}

/** {@link constructEvent} as a promise: the same on every runtime (Web Crypto where needed). */
export async function constructEventAsync(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
  options?: ConstructEventOptions,
): Promise<ConstructedEvent> {
  return eventOf(await verifySignatureAsync(rawBody, signatureHeader, secrets), rawBody, options)
}

/** One webhook receiver: handlers, dedupe and `handle()`. Adapters accept it in place of options. */
export const createInklessWebhooks = <Extras extends object = object>(
  options: InklessWebhooksOptions<Extras> = {},
): InklessWebhooks<Extras> =>
  createWebhooks(options, { verify: verifySignature, digest, openTelemetry })
