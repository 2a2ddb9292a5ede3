import type { RawBody } from './body.js'
import type { Secrets } from './secrets.js'

// Web Crypto, for runtimes without node:crypto (Workers, Vercel Edge, Deno, browsers).

// One imported key per secret: importKey is the expensive step. Bounded like the node cache.
const keys = new Map<string, Promise<CryptoKey>>()
const MAX_CACHED_KEYS = 64
const encoder = new TextEncoder()

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (key === undefined) {
    if (keys.size >= MAX_CACHED_KEYS) keys.clear()
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )
    keys.set(secret, key)
  }
  return key
}

const bytesOf = (rawBody: RawBody): Uint8Array<ArrayBuffer> =>
  (typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody) as Uint8Array<ArrayBuffer>

// Canonical base64 of 32 bytes: 43 characters of the standard alphabet, the last with its two
// low bits clear, then '='. Anything else (URL-safe, whitespace, padding tricks) is no match.
const CANONICAL = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/

function decodeSignature(header: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (typeof header !== 'string' || !CANONICAL.test(header)) return undefined
  const binary = atob(header)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

const base64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)))

/** base64(HMAC-SHA256(secret, rawBody)) with Web Crypto. */
export async function signPayloadAsync(rawBody: RawBody, secret: string): Promise<string> {
  return base64(await crypto.subtle.sign('HMAC', await keyFor(secret), bytesOf(rawBody)))
}

/** base64url SHA-256 of a UTF-8 string: dedupe keys. */
export async function digest(text: string): Promise<string> {
  return base64(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/**
 * `verifySignature` with Web Crypto: `subtle.verify` compares in constant time. Resolves to
 * false for anything malformed; never rejects.
 */
export async function verifySignatureAsync(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
): Promise<boolean> {
  const signature = decodeSignature(signatureHeader)
  if (signature === undefined) return false
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) return false
  const list = typeof secrets === 'string' ? [secrets] : secrets
  if (!Array.isArray(list)) return false
  const body = bytesOf(rawBody)
  for (const secret of list) {
    if (typeof secret !== 'string' || secret === '') continue
    try {
      if (await crypto.subtle.verify('HMAC', await keyFor(secret), signature, body)) return true
    } catch {
      // A secret Web Crypto refuses is simply not a match.
    }
  }
  return false
}
