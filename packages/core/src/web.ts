import type { RawBody } from './body.js'
import { type ConstructEventOptions, type ConstructedEvent, eventOf } from './construct-event.js'
import { digest, signPayloadAsync, verifySignatureAsync, verifyWeb } from './crypto-web.js'
import type { InklessWebhooksOptions } from './options.js'
import type { Secrets } from './secrets.js'
import { createWebhooks, type InklessWebhooks } from './webhooks.js'

export type { ConstructEventOptions, ConstructedEvent } from './construct-event.js'
// The build for runtimes without node:crypto, chosen by package.json export conditions.
export * from './public-api.js'
export { signPayloadAsync, verifySignatureAsync }

/** One webhook receiver: handlers, dedupe and `handle()`. Adapters accept it in place of options. */
export const createInklessWebhooks = <Extras extends object = object>(
  options: InklessWebhooksOptions<Extras> = {},
): InklessWebhooks<Extras> => createWebhooks(options, { verify: verifyWeb, digest })

const syncUnavailable = (name: string) =>
  new Error(
    `inkless-webhooks: ${name}() needs node:crypto, which this runtime lacks; use ${name}Async().`,
  )

/** Synchronous signing needs node:crypto: on this runtime, use `signPayloadAsync`. */
export function signPayload(_rawBody: RawBody, _secret: string): string {
  throw syncUnavailable('signPayload')
}

/** Synchronous verification needs node:crypto: on this runtime, use `verifySignatureAsync`. */
export function verifySignature(_rawBody: RawBody, _header: unknown, _secrets: Secrets): boolean {
  throw syncUnavailable('verifySignature')
}

/** Synchronous verification needs node:crypto: on this runtime, use `constructEventAsync`. */
export function constructEvent(
  _rawBody: RawBody,
  _header: unknown,
  _secrets: Secrets,
  _options?: ConstructEventOptions,
): ConstructedEvent {
  throw syncUnavailable('constructEvent')
}

/**
 * Verifies `rawBody` against the `X-Inkless-Signature` header under `secrets`, parses it and
 * resolves to the typed event, or rejects with an `InklessWebhookError`
 * (`signature_rejected`, `invalid_payload`, `stale_timestamp`).
 */
export async function constructEventAsync(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
  options?: ConstructEventOptions,
): Promise<ConstructedEvent> {
  return eventOf(await verifySignatureAsync(rawBody, signatureHeader, secrets), rawBody, options)
}
