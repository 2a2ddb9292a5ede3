import { randomBytes, randomInt } from 'node:crypto'
import {
  INKLESS_EVENT_INFO,
  INKLESS_EVENTS,
  type InklessEventName,
  type InklessEventOf,
  type InklessVerificationRequest,
  isInklessEventName,
  signPayload,
} from '@inkless-webhooks/core'

export const documentToken = (): string => randomBytes(16).toString('hex')

/** Inkless's timestamps: ISO 8601 in UTC, whole seconds. */
export const inklessTimestamp = (date = new Date()): string => `${date.toISOString().slice(0, 19)}Z`

/** A realistic payload for `name`; `overrides` replaces fields (or adds new ones). */
export function createTestEvent<N extends InklessEventName>(
  name: N,
  overrides: Partial<InklessEventOf<N>> & Record<string, unknown> = {},
): InklessEventOf<N> {
  if (!isInklessEventName(name)) {
    throw new TypeError(
      `inkless-webhooks: unknown event "${name}". Known events: ${INKLESS_EVENTS.join(', ')}.`,
    )
  }
  return {
    event: name,
    // Events about the whole document or envelope carry no recipient's link.
    ...(INKLESS_EVENT_INFO[name].recipient ? { secure_link_id: randomInt(1, 1_000_000) } : {}),
    document_token: documentToken(),
    timestamp: inklessTimestamp(),
    ...overrides,
  } as InklessEventOf<N>
}

/** A signed delivery, ready to send: `request(app).post(path).set(headers).send(body)`. */
export interface SignedRequest {
  /** Always `POST`. */
  readonly method: 'POST'
  /** `content-type`, `x-inkless-signature` and `x-inkless-alg`, as Inkless sends them. */
  readonly headers: Record<string, string>
  /** The exact bytes that were signed: send them as they are. */
  readonly body: string
}

/** The secret to sign with, and headers to change. */
export interface SignOptions {
  /** Default: `INKLESS_WEBHOOK_SECRET`. */
  readonly secret?: string
  /** Extra or replacement headers, e.g. a wrong `x-inkless-alg` for a negative test. */
  readonly headers?: Record<string, string>
}

function secretFrom(options: SignOptions): string {
  const secret = options.secret ?? process.env.INKLESS_WEBHOOK_SECRET
  if (!secret) {
    throw new TypeError(
      'inkless-webhooks: no secret to sign with. Pass { secret } or set INKLESS_WEBHOOK_SECRET to the secret your endpoint checks.',
    )
  }
  return secret
}

/**
 * A delivery as Inkless sends it — for supertest, light-my-request, Hono's `app.request()`
 * or `fetch`. A string body is signed byte for byte as given.
 */
export function buildSignedRequest(
  eventOrRawBody: object | string,
  options: SignOptions = {},
): SignedRequest {
  const body = typeof eventOrRawBody === 'string' ? eventOrRawBody : JSON.stringify(eventOrRawBody)
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-inkless-signature': signPayload(body, secretFrom(options)),
      'x-inkless-alg': 'SHA256',
      ...options.headers,
    },
    body,
  }
}

/** The verification handshake as Inkless sends it, and the answer it expects. */
export interface HandshakeRequest {
  /** Always `POST`. */
  readonly method: 'POST'
  /** `content-type: application/json`; the handshake is not signed. */
  readonly headers: Record<string, string>
  /** The JSON payload: `verification_secret`, `provider`, `webhook_id`, `timestamp`. */
  readonly body: string
  /** What the endpoint must answer, exactly, as text/plain. */
  readonly verificationSecret: string
}

/** The verification request Inkless sends when a webhook URL is saved (it is not signed). */
export function buildHandshakeRequest(
  overrides: Partial<InklessVerificationRequest> = {},
): HandshakeRequest {
  const payload = {
    verification_secret: randomBytes(24).toString('base64url'),
    provider: 'inkless',
    webhook_id: randomInt(1, 100_000),
    timestamp: inklessTimestamp(),
    ...overrides,
  }
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    verificationSecret: payload.verification_secret,
  }
}
