import { type InklessEventName, signPayload } from '@inkless-webhooks/core'

export const SECRET = 'whsec_conformance_secret'

let counter = 0

/** A realistic event body; each call gets a distinct timestamp unless one is given. */
export function eventBody(
  event: InklessEventName | string = 'document_signed',
  extra: object = {},
) {
  counter++
  return JSON.stringify({
    event,
    secure_link_id: 271,
    document_token: 'a1b2c3d4e5f6',
    timestamp: new Date(Date.UTC(2026, 2, 11, 23, 25, 31) + counter * 1000).toISOString(),
    ...extra,
  })
}

export const signed = (body: string | Uint8Array, secret = SECRET) => ({
  'content-type': 'application/json',
  'x-inkless-signature': signPayload(body, secret),
  'x-inkless-alg': 'SHA256',
})

export const handshakeBody = (secret = 'vs_8f2c1e') =>
  JSON.stringify({
    verification_secret: secret,
    provider: 'inkless',
    webhook_id: 42,
    timestamp: '2026-03-11T23:25:31Z',
  })
