import { type _HMAC, hmac } from '@noble/hashes/hmac.js'
import { type _SHA256, sha256 } from '@noble/hashes/sha2.js'
import type { RawBody } from './body.js'
import type { MaybePromise } from './maybe-async.js'
import type { Secrets } from './secrets.js'

// Web Crypto, for runtimes without node:crypto (Workers, Vercel Edge, Deno, browsers), and
// @noble/hashes where a call into Web Crypto costs more than the hashing itself: each
// crypto.subtle call is an asynchronous round trip (on Deno, a hop to a thread pool), several
// times the CPU of hashing a webhook-sized body in JavaScript. Dedupe keys and bodies up to
// SYNC_MAX bytes are hashed in JavaScript, synchronously; larger bodies go to Web Crypto.
const SYNC_MAX = 16 * 1024

const encoder = new TextEncoder()

type HmacState = _HMAC<_SHA256>

/** Per secret: the Web Crypto key, and the HMAC state after the key pads (cloned per body). */
interface SecretKeys {
  subtle?: Promise<CryptoKey>
  readonly pads: HmacState
}

// Bounded: verifySignatureAsync is public and may be called with arbitrary secrets.
const keys = new Map<string, SecretKeys>()
const MAX_CACHED_KEYS = 64

function keysFor(secret: string): SecretKeys {
  let found = keys.get(secret)
  if (found === undefined) {
    if (keys.size >= MAX_CACHED_KEYS) keys.clear()
    found = { pads: hmac.create(sha256, encoder.encode(secret)) }
    keys.set(secret, found)
  }
  return found
}

// importKey is the expensive step of Web Crypto's HMAC: once per secret.
function subtleKey(keys: SecretKeys, secret: string): Promise<CryptoKey> {
  keys.subtle ??= crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  )
  return keys.subtle
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

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Unpadded base64url of 32 bytes: 43 characters. */
function base64url32(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < 30; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out +=
      BASE64URL.charAt(n >> 18) +
      BASE64URL.charAt((n >> 12) & 63) +
      BASE64URL.charAt((n >> 6) & 63) +
      BASE64URL.charAt(n & 63)
  }
  const n = ((bytes[30] as number) << 8) | (bytes[31] as number)
  return (
    out +
    BASE64URL.charAt(n >> 10) +
    BASE64URL.charAt((n >> 4) & 63) +
    BASE64URL.charAt((n << 2) & 63)
  )
}

/** base64(HMAC-SHA256(secret, rawBody)) with Web Crypto. */
export async function signPayloadAsync(rawBody: RawBody, secret: string): Promise<string> {
  const key = await subtleKey(keysFor(secret), secret)
  return base64(await crypto.subtle.sign('HMAC', key, bytesOf(rawBody)))
}

// Hash states are copied into these scratch instances rather than cloned per call: V8 spends
// more allocating a hasher's buffers than hashing a webhook's few blocks. Synchronous use only.
const initial = sha256.create()
const hashing = sha256.create()
let macking: HmacState | undefined
const out = new Uint8Array(32)

/** base64url SHA-256 of a UTF-8 string: dedupe keys. Synchronous: keys are short. */
export function digest(text: string): string {
  initial._cloneInto(hashing).update(encoder.encode(text)).digestInto(out)
  return base64url32(out)
}

/** HMAC-SHA256 of `body` under the key whose pads are `pads`, compared in constant time. */
function macMatches(pads: HmacState, body: Uint8Array, signature: Uint8Array): boolean {
  const state = pads._cloneInto(macking)
  macking = state
  state.update(body).digestInto(out)
  let difference = 0
  for (let i = 0; i < 32; i++) difference |= (out[i] as number) ^ (signature[i] as number)
  return difference === 0
}

/**
 * True when `signatureHeader` is the signature of `rawBody` under one of `secrets`: in
 * JavaScript up to SYNC_MAX bytes, else with `subtle.verify` (both compare in constant time).
 * Never throws or rejects: anything malformed is simply not a match.
 */
export function verifyWeb(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
): MaybePromise<boolean> {
  const signature = decodeSignature(signatureHeader)
  if (signature === undefined) return false
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) return false
  const list = typeof secrets === 'string' ? [secrets] : secrets
  if (!Array.isArray(list)) return false
  const body = bytesOf(rawBody)
  if (body.byteLength > SYNC_MAX) return verifySubtle(body, signature, list)
  for (const secret of list) {
    if (typeof secret !== 'string' || secret === '') continue
    if (macMatches(keysFor(secret).pads, body, signature)) return true
  }
  return false
}

async function verifySubtle(
  body: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
  secrets: readonly unknown[],
): Promise<boolean> {
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret === '') continue
    try {
      const key = await subtleKey(keysFor(secret), secret)
      if (await crypto.subtle.verify('HMAC', key, signature, body)) return true
    } catch {
      // A secret Web Crypto refuses is simply not a match.
    }
  }
  return false
}

/** `verifySignature` for runtimes without node:crypto. Resolves to false for anything malformed. */
export async function verifySignatureAsync(
  rawBody: RawBody,
  signatureHeader: unknown,
  secrets: Secrets,
): Promise<boolean> {
  return verifyWeb(rawBody, signatureHeader, secrets)
}
