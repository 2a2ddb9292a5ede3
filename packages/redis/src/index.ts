import { randomUUID } from 'node:crypto'
import type { ClaimResult, DedupeStore } from '@inkless-webhooks/core'

/** The part of an ioredis client (single node, Cluster or Sentinel) the store uses. */
export interface RedisLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
}

export interface RedisDedupeStoreOptions {
  /** Key prefix. Default `inkless:webhook:`. */
  prefix?: string
  /** How long a processed delivery is remembered. Default 86,400 s (24 h). */
  ttlSeconds?: number
  /**
   * How long a claim lives while its handlers run. If the instance dies mid-delivery the
   * claim expires after this and Inkless's retry is processed. Keep it above your slowest
   * handler. Default 300 s.
   */
  processingTtlSeconds?: number
  /** A Redis command slower than this counts as an outage (answered 503). Default 2,000 ms. */
  commandTimeoutMs?: number
}

const PROCESSING = 'processing:'
const DONE = 'done'

// Deletes the claim only if it is still ours: after a processing TTL expiry another
// instance may hold the key now.
const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

/**
 * A dedupe store shared by every instance behind the load balancer:
 * `createInklessWebhooks({ dedupe: redisDedupeStore(new Redis(url)) })`.
 */
export function redisDedupeStore(
  client: RedisLike,
  options: RedisDedupeStoreOptions = {},
): DedupeStore {
  const prefix = options.prefix ?? 'inkless:webhook:'
  const ttlMs = (options.ttlSeconds ?? 86_400) * 1000
  const processingTtlMs = (options.processingTtlSeconds ?? 300) * 1000
  const timeoutMs = options.commandTimeoutMs ?? 2000
  for (const [name, value] of [
    ['ttlSeconds', ttlMs],
    ['processingTtlSeconds', processingTtlMs],
    ['commandTimeoutMs', timeoutMs],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0)
      throw new TypeError(`${name} must be a positive number`)
  }
  // Claims this process holds, so release only deletes its own.
  const tokens = new Map<string, string>()
  // Deliveries processed while Redis could not record it. They answer 'done' here and are
  // written as soon as Redis is back, well before a claim could expire elsewhere (keep
  // processingTtlSeconds above the longest outage you expect to ride out).
  const unsaved = new Set<string>()
  let flushing: ReturnType<typeof setTimeout> | undefined

  // ioredis queues commands while disconnected; without a deadline a Redis outage would
  // hang the request instead of answering 503.
  const deadline = <T>(work: Promise<T>): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      )
      work.then(resolve, reject).finally(() => clearTimeout(timer))
    })

  const markDone = (key: string) => deadline(client.call('SET', prefix + key, DONE, 'PX', ttlMs))
  const flushSoon = () => {
    if (flushing) return
    flushing = setTimeout(async () => {
      for (const key of unsaved) {
        try {
          await markDone(key)
          unsaved.delete(key)
        } catch {
          break
        }
      }
      flushing = undefined
      if (unsaved.size > 0) flushSoon()
    }, 250)
    flushing.unref?.()
  }

  return {
    async claim(key) {
      if (unsaved.has(key)) return 'done'
      const token = `${PROCESSING}${randomUUID()}`
      // One round trip: set the claim if absent, and get what was there if not.
      const previous = await deadline(
        client.call('SET', prefix + key, token, 'NX', 'PX', processingTtlMs, 'GET'),
      )
      if (previous === null) {
        tokens.set(key, token)
        return 'claimed'
      }
      return (previous === DONE ? 'done' : 'processing') satisfies ClaimResult
    },
    async complete(key) {
      tokens.delete(key)
      try {
        await markDone(key)
      } catch (error) {
        unsaved.add(key)
        flushSoon()
        throw error
      }
    },
    async release(key) {
      const token = tokens.get(key)
      tokens.delete(key)
      if (token !== undefined) await deadline(client.eval(RELEASE_IF_OURS, 1, prefix + key, token))
    },
  }
}
