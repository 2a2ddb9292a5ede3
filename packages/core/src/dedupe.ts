import { positiveOption } from './checks.js'
import type { InklessUnknownEvent } from './events.js'

/**
 * What a store answers when a delivery asks to be processed:
 * - `claimed`: first sighting; the caller processes it and then calls `complete` or `release`.
 * - `processing`: another delivery with the same key is being handled right now.
 * - `done`: already processed successfully.
 */
export type ClaimResult = 'claimed' | 'processing' | 'done'

/** What a store's `claim` learns of the delivery beside its key. */
export interface ClaimInfo {
  /** The verified event. */
  readonly event: InklessUnknownEvent
  /** The tenant, on an endpoint serving several Inkless accounts. */
  readonly tenant?: string
}

/**
 * A claim that brings its own part of the listeners' context, such as the database
 * transaction the delivery runs in (`@inkless-webhooks/postgres`'s transactional store).
 * Core passes it back to `complete` (commit) or `release` (roll back), and answers only
 * once `complete` resolved: 200 then means committed, and a rejection is a 503 (Inkless
 * retries), with `respond: 'immediately'` too (a store saying
 * {@link DedupeStore.transactional} has it refused when the instance is made).
 */
export interface ContextClaim<Extras extends object> {
  /** Claimed, as `'claimed'`. */
  readonly status: 'claimed'
  /** Added to every listener's context for this delivery. */
  readonly context: Extras
}

/**
 * The contract every dedupe store implements (in memory here, Redis in
 * `@inkless-webhooks/redis`, PostgreSQL in `@inkless-webhooks/postgres`). A store may answer
 * synchronously or with a promise; a throw or rejection means the store is unavailable.
 * `Extras` is what its {@link ContextClaim}s add to the listeners' context (none by default).
 */
export interface DedupeStore<Extras extends object = object> {
  /**
   * Asks to process the delivery with this key: `claimed` (or a {@link ContextClaim}) only
   * for the first caller, until it calls `complete` or `release`. Core always passes `info`.
   */
  claim(
    key: string,
    info?: ClaimInfo,
  ): ClaimResult | ContextClaim<Extras> | Promise<ClaimResult | ContextClaim<Extras>>
  /** The handlers succeeded: later deliveries with this key are duplicates. */
  complete(key: string, claim?: ContextClaim<Extras>): void | Promise<void>
  /**
   * `true` for a store whose claims are {@link ContextClaim}s that commit in `complete`: its
   * 200 means committed, so it is always sent after the handlers, and `createInklessWebhooks`
   * refuses `respond: 'immediately'` with it.
   */
  readonly transactional?: boolean
  /** The handlers failed: forget the claim so Inkless's retry runs them again. */
  release(key: string, claim?: ContextClaim<Extras>): void | Promise<void>
}

/** The bounds of {@link createMemoryDedupeStore}. */
export interface MemoryDedupeStoreOptions {
  /**
   * Most processed keys remembered (at least half as many, the most recently seen, are always
   * kept). Default 50,000.
   */
  maxEntries?: number
  /**
   * Most key bytes remembered (2 per UTF-16 unit), whatever the entry count: a bound for stores
   * fed custom keys. Default 8 MiB; core's own keys are 43 characters.
   */
  maxBytes?: number
  /** How long a processed key is remembered, in ms. Default 24 hours. */
  ttlMs?: number
  /** Clock in ms, injectable for tests. */
  now?: () => number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * A bounded in-process store. Processed keys live in two generations of at most
 * maxEntries / 2 entries and maxBytes / 2 key bytes each: a hit moves a key to the young one, and when the young generation is
 * full the old one is dropped whole. Every operation is O(1), with no per-entry eviction
 * (deleting the oldest Map entry one by one degrades badly at this size).
 */
export function createMemoryDedupeStore(options: MemoryDedupeStoreOptions = {}): DedupeStore {
  const maxEntries = positiveOption('maxEntries', options.maxEntries, 50_000, {
    integer: true,
    min: 2,
  })
  const maxBytes = positiveOption('maxBytes', options.maxBytes, 8 * 1024 * 1024)
  const ttlMs = positiveOption('ttlMs', options.ttlMs, DAY_MS)
  const now = options.now ?? Date.now
  const generation = Math.floor(maxEntries / 2)
  const generationBytes = maxBytes / 2
  // In-flight keys are never evicted: they are bounded by concurrent requests, and
  // forgetting one would let a concurrent duplicate run the handlers twice.
  const inFlight = new Set<string>()
  // Expiry times are stored as ms after their generation's start: small integers V8 keeps in
  // the Map itself, where absolute epoch ms would each be a heap-allocated number.
  let young = new Map<string, number>()
  let youngStart = now()
  let old = new Map<string, number>()
  let oldStart = youngStart
  let youngBytes = 0
  const remember = (key: string, expiresAt: number) => {
    if (young.size >= generation || youngBytes >= generationBytes) {
      old = young
      oldStart = youngStart
      young = new Map()
      youngStart = now()
      youngBytes = 0
    }
    young.set(key, expiresAt - youngStart)
    youngBytes += key.length * 2
  }
  const expiryOf = (key: string) => {
    const inYoung = young.get(key)
    if (inYoung !== undefined) return inYoung + youngStart
    const inOld = old.get(key)
    return inOld === undefined ? undefined : inOld + oldStart
  }

  return {
    claim(key) {
      if (inFlight.has(key)) return 'processing'
      const expiresAt = expiryOf(key)
      if (expiresAt !== undefined && expiresAt > now()) {
        if (!young.has(key)) {
          old.delete(key)
          remember(key, expiresAt)
        }
        return 'done'
      }
      inFlight.add(key)
      return 'claimed'
    },
    complete(key) {
      inFlight.delete(key)
      // An expired copy of the key in the old generation is left there: the young entry is
      // looked up first, and the old generation is dropped whole before the young one.
      remember(key, now() + ttlMs)
    },
    release(key) {
      inFlight.delete(key)
    },
  }
}
