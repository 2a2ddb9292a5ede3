import type { RawBody } from './body.js'
import { digest, signPayloadAsync, verifySignatureAsync } from './crypto-web.js'
import type { InklessWebhooksOptions } from './options.js'
import type { Secrets } from './secrets.js'
import { createWebhooks, type InklessWebhooks } from './webhooks.js'

// The build for runtimes without node:crypto, chosen by package.json export conditions.
export * from './public-api.js'
export { signPayloadAsync, verifySignatureAsync }

/** One webhook receiver: handlers, dedupe and `handle()`. Adapters accept it in place of options. */
export const createInklessWebhooks = <Extras extends object = object>(
  options: InklessWebhooksOptions<Extras> = {},
): InklessWebhooks<Extras> => createWebhooks(options, { verify: verifySignatureAsync, digest })

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
