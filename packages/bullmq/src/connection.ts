import { createRequire } from 'node:module'
import type { ConnectionOptions } from 'bullmq'

const require = createRequire(import.meta.url)

/**
 * BullMQ loads ioredis itself when given connection options, and without it its worker
 * retries in a loop that starves the event loop (about 360,000 errors a second, no timer
 * runs, close() never returns): refuse that at creation instead, naming the fix.
 */
export function assertRedisClient(option: string, connection: ConnectionOptions | undefined) {
  const instance =
    typeof connection === 'object' &&
    connection !== null &&
    typeof (connection as { connect?: unknown }).connect === 'function'
  if (instance) return
  try {
    createRequire(require.resolve('bullmq')).resolve('ioredis')
  } catch {
    throw new TypeError(
      `inkless-webhooks: ${option}: BullMQ connects with ioredis, which is not installed where bullmq can load it. Install it: npm install ioredis`,
    )
  }
}
