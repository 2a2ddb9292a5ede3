import { signPayloadAsync, verifySignatureAsync } from './crypto-web.js'
import type { RawBody, Secrets } from './signature.js'
import { platformApi } from './webhooks.js'

// The build for runtimes without node:crypto, chosen by package.json export conditions.
export * from './shared.js'
export { signPayloadAsync, verifySignatureAsync }
export const { createInklessWebhooks, splitAdapterOptions } = platformApi(verifySignatureAsync)

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
