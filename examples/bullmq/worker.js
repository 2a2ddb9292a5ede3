// The worker: runs the handlers for every job the receivers stored. Start as many as you
// like, on as many machines; each job runs on one of them. A failing handler is retried
// (8 attempts, 1 s doubling), then kept in the failed set. SIGTERM and SIGINT close it: no new
// jobs, the running ones finish (up to closeTimeoutMs), then the process ends.
// Run: REDIS_URL=redis://… pnpm --filter example-bullmq worker
import { createInklessWorker } from '@inkless-webhooks/bullmq'
import { connection, QUEUE } from './redis.js'

const worker = createInklessWorker({
  connection,
  queueName: QUEUE,
  concurrency: 8,
  // How soon the jobs of a worker that died mid-run are run again: BullMQ's lock (default
  // 30 s) must lapse first. `pnpm demo:queue` sets LOCK_MS=2000 so you need not wait.
  ...(process.env.LOCK_MS && {
    worker: {
      lockDuration: Number(process.env.LOCK_MS),
      stalledInterval: Number(process.env.LOCK_MS),
    },
  }),
  // Typed, like every callback: e.event is 'envelope_complete' here.
  onEnvelopeComplete: (e, { attempt }) => updateCrm(e.document_token, attempt),
  // Every event, after its own callback: one line per run.
  onEvent: (e, { attempt }) => {
    const link = e.secure_link_id ? ` link ${e.secure_link_id}` : ''
    console.log(
      `${e.event}: ${e.document_token}${link}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
    )
  },
  onError: (error, { attempt, final }) =>
    console.error(
      `worker error (attempt ${attempt}${final ? ', giving up' : ''}): ${error.message}`,
    ),
})

// Your downstream call. With FLAKY_CRM=1 its first attempt fails, so you can watch the
// worker retry the job (Inkless is not involved: it got its 200 long ago). A retry runs every
// listener of the job again, onEvent included: each must be idempotent.
async function updateCrm(documentToken, attempt) {
  if (process.env.FLAKY_CRM && attempt === 1) throw new Error(`CRM timed out for ${documentToken}`)
}

await worker.worker.waitUntilReady()
console.log(`worker ready on queue ${QUEUE}`)
