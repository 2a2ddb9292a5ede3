import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import { createRedisDedupeStore, type RedisLike, redisDedupeStore } from '@inkless-webhooks/redis'
import { planEnvelopes, sendWebhook } from '@inkless-webhooks/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { deliverAll } from './support/deliver.js'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { type Persistence, RedisServer } from './support/redis.js'
import { dedupeStoreContract, unreachableStoreContract } from './support/store-contract.js'

let redis: RedisServer
const clients: Redis[] = []
const client = (url = redis.url) => {
  const c = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  })
  c.on('error', () => {})
  clients.push(c)
  return c
}
const connected = async (url?: string) => {
  const c = client(url)
  await c.connect()
  return c
}
/** A redis-server of the test's own, destroyed when the test ends (even on a timeout). */
const ownRedis = async (persistence?: Persistence) => {
  const own = await RedisServer.start(persistence)
  onTestFinished(() => own.destroy())
  return own
}
let prefixes = 0
const prefix = () => `test:${process.pid}:${++prefixes}:`

beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await redis.destroy()
})

dedupeStoreContract(
  'createRedisDedupeStore against a real Redis',
  async () => {
    const [c, p] = [await connected(), prefix()]
    return ({ leaseMs } = {}) =>
      createRedisDedupeStore(c, { prefix: p, ...(leaseMs ? { processingTtlMs: leaseMs } : {}) })
  },
  1000,
)

describe('createRedisDedupeStore against a real Redis', () => {
  it('remembers processed keys for ttlMs, claims for processingTtlMs (or the deprecated seconds)', async () => {
    const c = await connected()
    const p = prefix()
    const store = createRedisDedupeStore(c, { prefix: p, ttlMs: 60_000, processingTtlMs: 30_000 })
    await store.claim('a')
    const claimTtl = Number(await c.pttl(`${p}a`))
    expect(claimTtl).toBeGreaterThan(29_000)
    expect(claimTtl).toBeLessThanOrEqual(30_000)
    await store.complete('a')
    expect(Number(await c.pttl(`${p}a`))).toBeGreaterThan(59_000)
    // The deprecated names, in seconds, mean the same.
    const old = redisDedupeStore(c, { prefix: p, ttlSeconds: 60, processingTtlSeconds: 30 })
    await old.claim('b')
    expect(Number(await c.pttl(`${p}b`))).toBeGreaterThan(29_000)
    await old.complete('b')
    expect(Number(await c.pttl(`${p}b`))).toBeGreaterThan(59_000)
    // Both names of one option: one would be ignored, so neither is taken.
    expect(() => createRedisDedupeStore(c, { ttlMs: 60_000, ttlSeconds: 60 })).toThrow(
      /^inkless-webhooks: ttlMs and ttlSeconds are one option \(ttlSeconds is its deprecated name\)/,
    )
    expect(() => createRedisDedupeStore(c, { timeoutMs: 200, commandTimeoutMs: 200 })).toThrow(
      /^inkless-webhooks: timeoutMs and commandTimeoutMs are one option/,
    )
    expect(() => createRedisDedupeStore(c, { processingTtlSeconds: 1.5 })).toThrow(
      /^inkless-webhooks: processingTtlSeconds must be a positive integer/,
    )
  })

  it('a delivery processed while Redis is down is recorded once Redis is back', {
    timeout: 20_000,
  }, async () => {
    const own = await ownRedis()
    const store = createRedisDedupeStore(await connected(own.url), { timeoutMs: 300 })
    expect(await store.claim('k')).toBe('claimed')
    await own.stop()
    await expect(store.complete('k')).rejects.toThrow()
    expect(await store.claim('k')).toBe('done')
    await own.start()
    const other = createRedisDedupeStore(await connected(own.url))
    await vi.waitFor(async () => expect(await other.claim('k')).toBe('done'), { timeout: 10_000 })
  })

  unreachableStoreContract('Redis', () =>
    createRedisDedupeStore(client('redis://127.0.0.1:1'), { timeoutMs: 200 }),
  )

  it('a Redis older than 7.0 is named in the error of every claim (503), before any SET', async () => {
    const real = await connected()
    const sent: string[] = []
    // The real server, answering INFO as Redis 6.2 does: the store must refuse to claim on it.
    const redis62: RedisLike = {
      call: async (command, ...args) => {
        sent.push(command)
        const reply = await real.call(command, ...args)
        return command === 'INFO'
          ? String(reply).replace(/redis_version:[\d.]+/, 'redis_version:6.2.14')
          : reply
      },
      eval: (...args) => real.eval(...args),
    }
    const onError = vi.fn()
    const w = createInklessWebhooks({
      secret: SECRET,
      onError,
      dedupe: createRedisDedupeStore(redis62),
    })
    const body = eventBody()
    const delivery = { method: 'POST', headers: signed(body), rawBody: body }
    expect((await w.handle(delivery)).status).toBe(503)
    expect((await w.handle(delivery)).status).toBe(503)
    expect(onError.mock.calls[0]?.[0].cause.message).toMatch(
      /this Redis is 6\.2; the dedupe store needs Redis 7\.0 or later/,
    )
    expect(sent).toEqual(['INFO'])
    // The real 7.x server passes the check.
    const ok = createInklessWebhooks({ secret: SECRET, dedupe: createRedisDedupeStore(real) })
    expect((await ok.handle(delivery)).status).toBe(200)
  })

  it('keys default to the versioned prefix inkless:webhook:v2:', async () => {
    const c = await connected()
    const key = `prefix-${process.pid}`
    await createRedisDedupeStore(c).claim(key)
    expect(await c.get(`inkless:webhook:v2:${key}`)).toMatch(/^processing:/)
  })

  it.each(['SIGSTOP', 'DEBUG SLEEP'] as const)(
    'a claim that timed out while Redis was paused (%s) is released when its late reply lands: the retry is processed',
    async (pause) => {
      const own = await ownRedis()
      const c = await connected(own.url)
      const onEvent = vi.fn()
      const webhooks = createInklessWebhooks({
        secret: SECRET,
        onEvent,
        onError: () => {},
        dedupe: createRedisDedupeStore(c, { timeoutMs: 300 }),
      })
      const body = eventBody()
      const delivery = { method: 'POST', headers: signed(body), rawBody: body }
      // DEBUG SLEEP goes out on the store's own connection, so the claim queues behind it.
      const sleeping = pause === 'DEBUG SLEEP' ? c.call('DEBUG', 'SLEEP', '1') : own.pause()
      expect((await webhooks.handle(delivery)).status).toBe(503)
      own.resume()
      await sleeping
      // Inkless retries after Retry-After (5 s); by then the late claim must be gone.
      await vi.waitFor(async () => expect((await webhooks.handle(delivery)).status).toBe(200), {
        timeout: 5000,
        interval: 100,
      })
      expect(onEvent).toHaveBeenCalledTimes(1)
      expect(await webhooks.handle(delivery)).toMatchObject({ status: 200, body: 'duplicate' })
    },
  )

  it('a release that failed while Redis was down is retried once Redis is back', async () => {
    const own = await ownRedis()
    const store = createRedisDedupeStore(await connected(own.url), { timeoutMs: 300 })
    expect(await store.claim('k')).toBe('claimed')
    await own.stop()
    await expect(store.release('k')).rejects.toThrow()
    await own.start()
    const other = createRedisDedupeStore(await connected(own.url))
    await vi.waitFor(async () => expect(await other.claim('k')).toBe('claimed'), {
      timeout: 5000,
      interval: 100,
    })
  })

  it.each([
    ['aof', 'done'],
    ['none', 'claimed'],
  ] as const)(
    'Redis persistence %s: after a SIGKILL and restart a processed delivery reads as %s',
    async (persistence, after) => {
      const own = await ownRedis(persistence)
      const store = createRedisDedupeStore(await connected(own.url))
      expect(await store.claim('k')).toBe('claimed')
      await store.complete('k')
      await own.stop('SIGKILL')
      await own.start()
      expect(await createRedisDedupeStore(await connected(own.url)).claim('k')).toBe(after)
    },
  )

  it('a Redis that hangs (offline queue on) times out into a 503, never a hung request', async () => {
    const queued = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => 50 })
    queued.on('error', () => {})
    clients.push(queued)
    void queued.connect().catch(() => {})
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      onError: () => {},
      dedupe: createRedisDedupeStore(queued, { timeoutMs: 300 }),
    })
    const body = eventBody()
    const res = await webhooks.handle({ method: 'POST', headers: signed(body), rawBody: body })
    expect(res.status).toBe(503)
  })
})

/**
 * A server instance in its own process, logging every event its handlers processed; killed
 * when the test ends, even on a timeout.
 */
class Instance {
  readonly handled: string[] = []
  url = ''
  private constructor(private readonly child: ChildProcess) {}

  static async start(adapter: 'node' | 'express', env: Record<string, string>): Promise<Instance> {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'fixtures/redis-instance.mjs'), adapter],
      {
        env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const instance = new Instance(child)
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const listening = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)))
      lines.on('line', (line) => {
        if (line.startsWith('listening ')) {
          instance.url = `http://127.0.0.1:${line.slice(10)}/webhook`
          resolve()
        } else if (line.startsWith('handled ')) instance.handled.push(JSON.parse(line.slice(8)))
        else if (line === 'hanging') instance.hanging = true
      })
    })
    onTestFinished(() => instance.kill())
    await listening
    return instance
  }

  hanging = false

  async kill(signal: NodeJS.Signals = 'SIGTERM') {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill(signal)
    await once(this.child, 'exit')
  }
}

const counts = (instances: Instance[]) => {
  const seen = new Map<string, number>()
  for (const key of instances.flatMap((i) => i.handled)) seen.set(key, (seen.get(key) ?? 0) + 1)
  return seen
}

describe('several instances sharing one Redis', () => {
  it('5,000 shuffled deliveries, 30% duplicates, to two processes: each event handled once, no 5xx', {
    timeout: 120_000,
  }, async () => {
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix() }
    const instances = [await Instance.start('node', env), await Instance.start('express', env)]
    const plan = planEnvelopes({ envelopes: 175, signers: 2, duplicates: 0.3, shuffle: true })
    const unique = new Set(plan.map((d) => d.body)).size
    expect(plan.length).toBeGreaterThanOrEqual(4800)
    const statuses = await deliverAll(
      plan.map((d) => d.body),
      () => instances.map((i) => i.url),
    )
    const seen = counts(instances)
    expect(seen.size).toBe(unique)
    expect(Math.max(...seen.values())).toBe(1)
    expect([...statuses.keys()].filter((s) => s >= 500 || s === 0)).toEqual([])
    expect(instances.every((i) => i.handled.length > unique / 4)).toBe(true)
  })

  // Default processingTtlSeconds (300 s): a claim orphaned by the kill would stall the run.
  // REDIS_PERSISTENCE=none measures what AOF buys: events run twice after the restart.
  it('Redis killed (SIGKILL) mid-run and restarted from its fsynced AOF: 503s, then the retries complete; nothing lost, nothing twice', {
    timeout: 60_000,
  }, async () => {
    const own = await ownRedis((process.env.REDIS_PERSISTENCE as Persistence) ?? 'aof')
    const env = { REDIS_URL: own.url }
    const instances = [await Instance.start('node', env), await Instance.start('express', env)]
    const plan = planEnvelopes({ envelopes: 40, signers: 2, duplicates: 0.3, shuffle: true })
    const unique = new Set(plan.map((d) => d.body)).size
    const run = deliverAll(
      plan.map((d) => d.body),
      () => instances.map((i) => i.url),
      { concurrency: 16 },
    )
    await vi.waitFor(() => expect(counts(instances).size).toBeGreaterThan(unique / 4), {
      timeout: 30_000,
    })
    await own.stop('SIGKILL')
    await new Promise((r) => setTimeout(r, 1000))
    const duringOutage = counts(instances).size
    await own.start()
    const statuses = await run
    const seen = counts(instances)
    expect(statuses.get(503)).toBeGreaterThan(0)
    expect(duringOutage).toBeLessThan(unique)
    expect(seen.size).toBe(unique)
    expect([...seen.values()].filter((n) => n > 1).length, 'events run twice').toBe(0)
  })

  it('a claim left by a killed process expires and the retry is processed', {
    timeout: 60_000,
  }, async () => {
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix(), PROCESSING_TTL_SECONDS: '1' }
    const doomed = await Instance.start('node', { ...env, HANG_TOKEN: 'doc-that-hangs' })
    const survivor = await Instance.start('express', env)
    const body = eventBody('document_signed', { document_token: 'doc-that-hangs' })
    void sendWebhook(doomed.url, body, { secret: SECRET }).catch(() => {})
    await vi.waitFor(() => expect(doomed.hanging).toBe(true))
    await doomed.kill('SIGKILL')
    // The dead instance's claim still stands: Inkless is told to retry later.
    expect((await sendWebhook(survivor.url, body, { secret: SECRET })).status).toBe(409)
    await new Promise((r) => setTimeout(r, 1100))
    expect((await sendWebhook(survivor.url, body, { secret: SECRET })).status).toBe(200)
    expect(survivor.handled).toHaveLength(1)
    expect((await sendWebhook(survivor.url, body, { secret: SECRET })).body).toBe('duplicate')
  })
})
