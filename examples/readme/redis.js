import { inklessWebhooks } from '@inkless-webhooks/express'
import { createRedisDedupeStore } from '@inkless-webhooks/redis'
import express from 'express'
import { Redis } from 'ioredis'

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  enableOfflineQueue: false, // fail fast while Redis is down: 503, and Inkless retries later
  lazyConnect: true,
})
await redis.connect() // before listening, or the first deliveries would get 503

const app = express()
app.post(
  '/webhook',
  inklessWebhooks({
    dedupe: createRedisDedupeStore(redis),
    onEnvelopeComplete: (e) => console.log(`envelope ${e.document_token} is complete`),
  }),
)
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
