// The receiver: verifies each Inkless delivery, stores it as a BullMQ job and answers 200 once
// Redis has it. No handlers run here (they are in worker.js), so the answer takes a
// millisecond or two and survives any crash of the code that processes it.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… REDIS_URL=redis://… pnpm --filter example-bullmq receiver
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { ExpressAdapter } from '@bull-board/express'
import { createInklessQueue } from '@inkless-webhooks/bullmq'
import { inklessWebhooks } from '@inkless-webhooks/express'
import { Queue } from 'bullmq'
import express from 'express'
import { connection, QUEUE } from './redis.js'

// Without the offline queue, a Redis outage answers 503 at once (Inkless retries later).
const queue = new Queue(QUEUE, { connection: { ...connection, enableOfflineQueue: false } })
queue.on('error', (error) => console.error(`queue: ${error.message}`))

const app = express()
app.post('/webhook', inklessWebhooks({ queue: createInklessQueue(queue) }))

// The jobs, their attempts and the failed set (retry them from there), at /admin/queues.
// Put it behind your own authentication before exposing it.
const board = new ExpressAdapter()
board.setBasePath('/admin/queues')
createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: board })
app.use('/admin/queues', board.getRouter())

const host = process.env.HOST ?? '127.0.0.1'
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  console.log(`listening on http://${host}:${server.address().port}/webhook`)
})
