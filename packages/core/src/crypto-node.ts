import { createHash, createHmac, hash } from 'node:crypto'
import type { RawBody } from './body.js'
import type { Secrets } from './secrets.js'

// node:crypto, synchronous and the fastest path on Node and Bun.

const SIGNATURE_CHARS = 44 // base64 of 32 bytes: 43 characters and one '='

// HMAC-SHA256 (RFC 2104) from two one-shot `crypto.hash` calls over precomputed key pads:
// creating an Hmac object re-derives the pads on every call and costs twice as much for a
// webhook-sized body. Large bodies, and runtimes without `crypto.hash`, use createHmac.
const BLOCK = 64
const ONE_SHOT_MAX = 64 * 1024

interface Pads {
  /** key XOR ipad: the first block of the inner hash. */
  readonly inner: Buffer
  /** key XOR opad, then room for the 32-byte inner digest: the whole outer message. */
  readonly outer: Buffer
}

// Bounded: verifySignature is public and may be called with arbitrary secrets.
const pads = new Map<string, Pads>()
const MAX_CACHED_SECRETS = 64

function padsFor(secret: string): Pads {
  let found = pads.get(secret)
  if (found === undefined) {
    if (pads.size >= MAX_CACHED_SECRETS) pads.clear()
    let key = Buffer.from(secret, 'utf8')
    if (key.length > BLOCK) key = createHash('sha256').update(key).digest()
    const inner = Buffer.alloc(BLOCK)
    const outer = Buffer.alloc(BLOCK + 32)
    for (let i = 0; i < BLOCK; i++) {
      inner[i] = (key[i] ?? 0) ^ 0x36
      outer[i] = (key[i] ?? 0) ^ 0x5c
    }
    found = { inner, outer }
    pads.set(secret, found)
  }
  return found
}

// Holds inner pad + body for the inner hash; grows up to ONE_SHOT_MAX + BLOCK.
let scratch = Buffer.allocUnsafe(BLOCK + 4096)

/** base64 HMAC-SHA256 of `rawBody` under `secret`. */
function hmac(rawBody: RawBody, secret: string): string {
  const length =
    typeof rawBody === 'string' ? Buffer.byteLength(rawBody, 'utf8') : rawBody.byteLength
  if (typeof hash !== 'function' || length > ONE_SHOT_MAX) {
    return createHmac('sha256', secret).update(rawBody).digest('base64')
  }
  const { inner, outer } = padsFor(secret)
  if (scratch.length < BLOCK + length) scratch = Buffer.allocUnsafe(BLOCK + length)
  inner.copy(scratch, 0)
  if (typeof rawBody === 'string') scratch.write(rawBody, BLOCK, 'utf8')
  else scratch.set(rawBody, BLOCK)
  // 'binary' strings are cheap to produce and to copy into a buffer; 'buffer' output allocates.
  outer.write(hash('sha256', scratch.subarray(0, BLOCK + length), 'binary'), BLOCK, 'binary')
  return hash('sha256', outer, 'base64')
}

/**
 * Whether the computed signature equals the header, in constant time: every character is
 * compared, whatever differs first. Node's base64 of the HMAC is canonical, so only the exact
 * canonical form can match ('...R=' for '...Q=', the URL-safe alphabet, non-ASCII look-alikes
 * all differ) and the header needs no decoding.
 */
function sameSignature(computed: string, header: string): boolean {
  let difference = 0
  for (let i = 0; i < SIGNATURE_CHARS; i++) {
    difference |= computed.charCodeAt(i) ^ header.charCodeAt(i)
  }
  return difference === 0
}

/** base64(HMAC-SHA256(secret, rawBody)), the value Inkless sends in `X-Inkless-Signature`. */
export function signPayload(rawBody: RawBody, secret: string): string {
  return hmac(rawBody, secret)
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
 * Never throws: anything malformed is simply not a match. The header is compared with the
 * HMAC's base64 in constant time.
 */
export function verifySignature(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
): boolean {
  if (typeof signatureHeader !== 'string' || signatureHeader.length !== SIGNATURE_CHARS)
    return false
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) return false
  const list = typeof secrets === 'string' ? [secrets] : secrets
  if (!Array.isArray(list)) return false
  for (const secret of list) {
    if (typeof secret !== 'string' || secret === '') continue
    if (sameSignature(hmac(rawBody, secret), signatureHeader)) return true
  }
  return false
}

/** base64url SHA-256 of a UTF-8 string: dedupe keys. */
export const digest = (text: string): string =>
  typeof hash === 'function'
    ? hash('sha256', text, 'base64url')
    : createHash('sha256').update(text).digest('base64url')
