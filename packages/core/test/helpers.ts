import * as node from '../src/index.js'
import { type InklessEventName, signPayload } from '../src/index.js'
import * as web from '../src/web.js'

export const platforms = [
  ['node:crypto', node],
  ['Web Crypto', web],
] as const

export const SECRET = 'whsec_core_test_secret'

export const eventBody = (event: InklessEventName | string = 'document_signed', extra = {}) =>
  JSON.stringify({
    event,
    secure_link_id: 271,
    document_token: 'a1b2c3d4',
    timestamp: '2026-03-11T23:25:31Z',
    ...extra,
  })

export const signedHeaders = (body: string | Uint8Array, secret = SECRET) => ({
  'x-inkless-signature': signPayload(body, secret),
  'x-inkless-alg': 'SHA256',
})

export const post = (
  body: string | Uint8Array,
  headers: Record<string, string> = signedHeaders(body),
) => ({
  method: 'POST',
  url: '/webhook',
  headers,
  rawBody: body,
})

export async function* chunks(...parts: (string | Uint8Array)[]) {
  for (const part of parts) yield part
}
