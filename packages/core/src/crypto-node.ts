import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto'
import type { RawBody, Secrets } from './signature.js'

// node:crypto, synchronous and the fastest path on Node and Bun.

const SIGNATURE_BYTES = 32
const SIGNATURE_CHARS = 44 // base64 of 32 bytes: 43 characters and one '='

// Key objects skip re-importing the secret on every HMAC; the cache is bounded because
// verifySignature is public and may be called with arbitrary secrets.
const keys = new Map<string, KeyObject>()
const MAX_CACHED_KEYS = 64

function keyFor(secret: string): KeyObject {
  let key = keys.get(secret)
  if (key === undefined) {
    if (keys.size >= MAX_CACHED_KEYS) keys.clear()
    key = createSecretKey(Buffer.from(secret, 'utf8'))
    keys.set(secret, key)
  }
  return key
}

// Value of each base64 character; the last data character of a canonical 32-byte
// signature has its two low bits clear, so '...Q=' and '...R=' are not both accepted.
const BASE64_VALUE = new Uint8Array(128).fill(0xff)
for (const [i, c] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
].entries()) {
  BASE64_VALUE[c.charCodeAt(0)] = i
}

// Scratch buffers reused by the synchronous verify path: no allocation per call.
const expected = Buffer.alloc(SIGNATURE_BYTES)
const computed = Buffer.alloc(SIGNATURE_BYTES)

/** Decodes a canonical base64 HMAC-SHA256 signature into `expected`; false if it is not one. */
function decodeSignature(header: string): boolean {
  return (
    header.length === SIGNATURE_CHARS &&
    // The decoder reads only the low byte of each UTF-16 unit: refuse anything non-ASCII.
    Buffer.byteLength(header, 'utf8') === SIGNATURE_CHARS &&
    header.charCodeAt(43) === 61 &&
    ((BASE64_VALUE[header.charCodeAt(42)] ?? 0xff) & 3) === 0 &&
    // Node's decoder skips characters outside the alphabet, so a short write means one was.
    expected.write(header, 'base64') === SIGNATURE_BYTES &&
    // ...and it also accepts the URL-safe alphabet, which Inkless never sends.
    !header.includes('-') &&
    !header.includes('_')
  )
}

function hmacInto(target: Buffer, rawBody: RawBody, secret: string): void {
  // A one-byte-per-char ('binary') digest copied into a fixed buffer is faster than digest()
  // allocating a new Buffer on every call.
  target.write(createHmac('sha256', keyFor(secret)).update(rawBody).digest('binary'), 'binary')
}

/** base64(HMAC-SHA256(secret, rawBody)), the value Inkless sends in `X-Inkless-Signature`. */
export function signPayload(rawBody: RawBody, secret: string): string {
  return createHmac('sha256', keyFor(secret)).update(rawBody).digest('base64')
}

/** `verifySignature` as a promise, for code that also runs where only Web Crypto exists. */
export const verifySignatureAsync = async (
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
): Promise<boolean> => verifySignature(rawBody, signatureHeader, secrets)

/** `signPayload` as a promise, for code that also runs where only Web Crypto exists. */
export const signPayloadAsync = async (rawBody: RawBody, secret: string): Promise<string> =>
  signPayload(rawBody, secret)

/**
 * True when `signatureHeader` is the signature of `rawBody` under any of `secrets`.
 * Never throws: anything malformed is simply not a match. The header is decoded to its
 * 32 digest bytes and compared with `timingSafeEqual`.
 */
export function verifySignature(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
): boolean {
  if (typeof signatureHeader !== 'string' || !decodeSignature(signatureHeader)) return false
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) return false
  const list = typeof secrets === 'string' ? [secrets] : secrets
  if (!Array.isArray(list)) return false
  for (const secret of list) {
    if (typeof secret !== 'string' || secret === '') continue
    hmacInto(computed, rawBody, secret)
    if (timingSafeEqual(computed, expected)) return true
  }
  return false
}
