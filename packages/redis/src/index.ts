/**
 * A Redis dedupe store, so that every instance behind a load balancer sees the same
 * deliveries: a retry or a duplicate reaching another instance is still answered once.
 *
 * @module @inkless-webhooks/redis
 */
import { randomUUID } from 'node:crypto'
import type { ClaimResult, DedupeStore } from '@inkless-webhooks/core'
import { createHeldClaims, renamedOption, withDeadline } from '@inkless-webhooks/core/adapter'

/** The part of an ioredis client (single node, Cluster or Sentinel) the store uses. */
export interface RedisLike {
  /** Sends one command (`SET … NX PX … GET`, `SET … PX …`) and resolves with the reply. */
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  /** Runs a Lua script (the release that deletes only our own claim). */
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
}

/** How {@link createRedisDedupeStore} names its keys and how long they live. */
export interface RedisDedupeStoreOptions {
  /**
   * Key prefix. Default `inkless:webhook:v2:`. The `v2` keys are core's fixed-size digests
   * (43 characters); keys written by earlier versions under `inkless:webhook:` are never
   * read, so the two never mix. Change it only to share one Redis between applications.
   */
  prefix?: string
  /** How long a processed delivery is remembered, in ms. Default 86,400,000 (24 h). */
  ttlMs?: number
  /**
   * How long a claim lives while its handlers run, in ms. If the instance dies mid-delivery
   * the claim expires after this and Inkless's retry is processed. Keep it above your
   * slowest handler. Default 300,000 (5 min).
   */
  processingTtlMs?: number
  /** A Redis command slower than this counts as an outage (answered 503). Default 2,000 ms. */
  timeoutMs?: number
  /**
   * `ttlMs` in seconds.
   *
   * @deprecated Use `ttlMs` (in ms).
   */
  ttlSeconds?: number
  /**
   * `processingTtlMs` in seconds.
   *
   * @deprecated Use `processingTtlMs` (in ms).
   */
  processingTtlSeconds?: number
  /**
   * The old name of `timeoutMs`.
   *
   * @deprecated Use `timeoutMs`.
   */
  commandTimeoutMs?: number
}

const PROCESSING = 'processing:'
const DONE = 'done'

// Deletes the claim only if it is still ours: after a processing TTL expiry another
// instance may hold the key now.
const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

/**
 * A dedupe store shared by every instance behind the load balancer:
 * `createInklessWebhooks({ dedupe: createRedisDedupeStore(new Redis(url)) })`.
 */
export function createRedisDedupeStore(
  client: RedisLike,
  options: RedisDedupeStoreOptions = {},
): DedupeStore {
  const prefix = options.prefix ?? 'inkless:webhook:v2:'
  const seconds = { integer: true, aliasInSeconds: true }
  const ttlMs = renamedOption(options, 'ttlMs', 'ttlSeconds', 86_400_000, seconds)
  const processingTtlMs = renamedOption(
    options,
    'processingTtlMs',
    'processingTtlSeconds',
    300_000,
    seconds,
  )
  const timeoutMs = renamedOption(options, 'timeoutMs', 'commandTimeoutMs', 2000, {
    integer: true,
  })
  // ioredis queues commands while disconnected; without a deadline a Redis outage would
  // hang the request instead of answering 503.
  const deadline = <T>(work: Promise<T>): Promise<T> =>
    withDeadline(work, timeoutMs, () => new Error(`Redis did not answer within ${timeoutMs} ms`))

  const markDone = (key: string) => deadline(client.call('SET', prefix + key, DONE, 'PX', ttlMs))
  const releaseClaim = (key: string, token: string) =>
    deadline(client.eval(RELEASE_IF_OURS, 1, prefix + key, token))

  // Claims this process holds (release deletes only its own), and writes nobody waits for
  // any more, retried until Redis takes them. Processed deliveries Redis could not record
  // answer 'done' from here meanwhile and are written well before a claim could expire
  // elsewhere (keep processingTtlMs above the longest outage you expect to ride out).
  // Claims of ours nobody will settle are deleted once Redis answers.
  const held = createHeldClaims({ complete: markDone, release: releaseClaim }, processingTtlMs)

  // `SET … NX PX … GET` needs Redis 7.0: on 6.2 every claim would fail with a syntax error.
  // Checked at the first claim, once it gets an answer.
  let versionChecked: Promise<void> | undefined
  const checkVersion = () => {
    versionChecked ??= deadline(client.call('INFO', 'server')).then(
      (info) => {
        const version = /redis_version:(\d+)\.(\d+)/.exec(String(info))
        if (version !== null && Number(version[1]) < 7) {
          throw new Error(
            `inkless-webhooks: this Redis is ${version[1]}.${version[2]}; the dedupe store needs Redis 7.0 or later (it claims with SET … NX PX … GET).`,
          )
        }
      },
      (error: unknown) => {
        versionChecked = undefined
        throw error
      },
    )
    return versionChecked
  }

  return {
    async claim(key) {
      if (held.completing(key)) return 'done'
      await checkVersion()
      const token = `${PROCESSING}${randomUUID()}`
      // One round trip: set the claim if absent, and get what was there if not.
      const setting = client.call('SET', prefix + key, token, 'NX', 'PX', processingTtlMs, 'GET')
      let previous: unknown
      try {
        previous = await deadline(setting)
      } catch (error) {
        // Core answers 503 and will neither process nor release this claim, but the SET may
        // still land (a paused or slow Redis answers late) or may have landed before the
        // connection dropped. Delete it if it is ours, or the retries would get 409 for the
        // whole processing TTL.
        setting.then(
          (late) => {
            if (late === null || late === token) held.releaseLater(key, token)
          },
          () => held.releaseLater(key, token),
        )
        throw error
      }
      // Our own token: ioredis resent the SET after a reconnect and the first one had landed.
      if (previous === null || previous === token) {
        held.hold(key, token)
        return 'claimed'
      }
      return (previous === DONE ? 'done' : 'processing') satisfies ClaimResult
    },
    complete: held.complete,
    release: held.release,
  }
}

/** @deprecated Use {@link createRedisDedupeStore}: the same function. */
export const redisDedupeStore = createRedisDedupeStore
