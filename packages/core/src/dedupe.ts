/**
 * What a store answers when a delivery asks to be processed:
 * - `claimed`: first sighting; the caller processes it and then calls `complete` or `release`.
 * - `processing`: another delivery with the same key is being handled right now.
 * - `done`: already processed successfully.
 */
export type ClaimResult = 'claimed' | 'processing' | 'done'

/**
 * The contract every dedupe store implements (in memory here, Redis in
 * `@inkless-webhooks/redis`). A store may answer synchronously or with a promise; a
 * throw or rejection means the store is unavailable.
 */
export interface DedupeStore {
  claim(key: string): ClaimResult | Promise<ClaimResult>
  /** The handlers succeeded: later deliveries with this key are duplicates. */
  complete(key: string): void | Promise<void>
  /** The handlers failed: forget the claim so Inkless's retry runs them again. */
  release(key: string): void | Promise<void>
}

export interface MemoryDedupeStoreOptions {
  /** Most processed keys remembered; the least recently seen is forgotten first. Default 50,000. */
  maxEntries?: number
  /** How long a processed key is remembered, in ms. Default 24 hours. */
  ttlMs?: number
  /** Clock in ms, injectable for tests. */
  now?: () => number
}

const DAY_MS = 24 * 60 * 60 * 1000

/** A bounded in-process store: an LRU of processed keys with a TTL, plus the keys in flight. */
export function createMemoryDedupeStore(options: MemoryDedupeStoreOptions = {}): DedupeStore {
  const maxEntries = options.maxEntries ?? 50_000
  const ttlMs = options.ttlMs ?? DAY_MS
  const now = options.now ?? Date.now
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('maxEntries must be a positive integer')
  }
  if (!(ttlMs > 0)) throw new TypeError('ttlMs must be a positive number of milliseconds')
  // In-flight keys are never evicted: they are bounded by concurrent requests, and
  // forgetting one would let a concurrent duplicate run the handlers twice.
  const inFlight = new Set<string>()
  // Map iteration order is insertion order, so re-inserting on a hit keeps LRU order.
  const done = new Map<string, number>()

  return {
    claim(key) {
      if (inFlight.has(key)) return 'processing'
      const expiresAt = done.get(key)
      if (expiresAt !== undefined) {
        done.delete(key)
        if (expiresAt > now()) {
          done.set(key, expiresAt)
          return 'done'
        }
      }
      inFlight.add(key)
      return 'claimed'
    },
    complete(key) {
      inFlight.delete(key)
      done.set(key, now() + ttlMs)
      if (done.size > maxEntries) done.delete(done.keys().next().value as string)
    },
    release(key) {
      inFlight.delete(key)
    },
  }
}
