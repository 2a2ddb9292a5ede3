import { createInklessWebhooks, type DedupeStore } from '@inkless-webhooks/core'
import {
  createRedisDedupeStore,
  type RedisDedupeStoreOptions,
  type RedisLike,
  redisDedupeStore,
} from '@inkless-webhooks/redis'
import { Cluster, Redis } from 'ioredis'
import {
  expectAssignable,
  expectDeprecated,
  expectError,
  expectNotDeprecated,
  expectType,
} from 'tsd'

const store = redisDedupeStore(new Redis(), {
  prefix: 'app:',
  ttlSeconds: 3600,
  processingTtlSeconds: 60,
})
expectType<DedupeStore>(store)
expectAssignable<RedisLike>(new Redis())
expectAssignable<RedisLike>(new Cluster([{ host: '127.0.0.1', port: 7000 }]))
redisDedupeStore(new Cluster([{ host: '127.0.0.1', port: 7000 }]))
createInklessWebhooks({ secret: 's', dedupe: store, onStoreError: 'process' })

expectError(redisDedupeStore({}))
expectError(redisDedupeStore(new Redis(), { ttlSeconds: '1h' }))
expectError(createInklessWebhooks({ secret: 's', dedupe: store, onStoreError: 'ignore' }))

// The create* name and durations in ms; the old names stay as deprecated aliases.
expectType<DedupeStore>(
  createRedisDedupeStore(new Redis(), {
    ttlMs: 3_600_000,
    processingTtlMs: 60_000,
    timeoutMs: 500,
  }),
)
expectType<typeof createRedisDedupeStore>(redisDedupeStore)
expectError(createRedisDedupeStore(new Redis(), { ttlMs: '1h' }))
expectError(createRedisDedupeStore(new Redis(), { ttlMS: 3_600_000 }))
declare const redisOptions: RedisDedupeStoreOptions
expectNotDeprecated(redisOptions.ttlMs)
expectDeprecated(redisOptions.ttlSeconds)
expectDeprecated(redisOptions.processingTtlSeconds)
expectDeprecated(redisOptions.commandTimeoutMs)
