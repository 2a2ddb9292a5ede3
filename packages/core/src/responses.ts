import type { InklessResponse } from './request.js'

// Every answer handle() gives, by status. Bodies are short and never echo input, except the
// handshake, whose answer is the secret Inkless sent.

const TEXT = {
  'content-type': 'text/plain; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const
// Sent when the body was not (fully) read: adapters then close the connection after a
// bounded lingering read, instead of parsing the rest as the next request.
const TEXT_CLOSE = { ...TEXT, connection: 'close' } as const

export const reply = (
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = TEXT,
): InklessResponse => ({ status, headers, body })

export const OK = reply(200, 'ok')
export const DUPLICATE = reply(200, 'duplicate')
export const UNREADABLE = reply(400, 'could not read body')
export const BAD_SIGNATURE = reply(401, 'invalid signature')
export const BAD_ALGORITHM = reply(401, 'unsupported signature algorithm')
export const STALE = reply(401, 'timestamp outside tolerance')
export const REFUSED = reply(403, 'verification refused')
export const UNKNOWN_TENANT = reply(404, 'unknown webhook endpoint')
// No tenant named (or `tenant()` threw): answered before the body is read.
export const NO_TENANT = reply(404, 'unknown webhook endpoint', TEXT_CLOSE)
export const NOT_POST = reply(405, 'method not allowed', { ...TEXT_CLOSE, allow: 'POST' })
export const BODY_TIMEOUT = reply(408, 'request body timed out', TEXT_CLOSE)
// The first delivery with this key is still running: a non-2xx makes Inkless retry, and
// 409 (not 5xx) says nothing is wrong with the server (docs/requests.md, "Choices worth knowing").
export const IN_PROGRESS = reply(409, 'delivery in progress', { ...TEXT, 'retry-after': '1' })
export const TOO_LARGE = reply(413, 'payload too large', TEXT_CLOSE)
export const HANDLER_FAILED = reply(500, 'webhook handler failed')
export const NO_SECRET = reply(500, 'webhook secret not configured')
export const STORE_DOWN = reply(503, 'dedupe store unavailable', { ...TEXT, 'retry-after': '5' })
export const QUEUE_DOWN = reply(503, 'queue unavailable', { ...TEXT, 'retry-after': '5' })
export const LOOKUP_FAILED = reply(503, 'secret lookup failed', { ...TEXT, 'retry-after': '5' })

export const invalidPayload = (reason: string) => reply(400, `invalid payload: ${reason}`)
export const consumed = (fix: string) =>
  reply(500, `request body already consumed by a body parser. ${fix}`)
