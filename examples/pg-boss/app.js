// Queue mode on PostgreSQL: the receiver commits each verified delivery as a pg-boss job and
// answers 200; the worker runs the handlers, retrying failures with backoff, then moving what
// keeps failing to the dead-letter queue (`inkless.dead-letter`; `boss.redrive('inkless.dead-letter')`
// sends it back). Both run here, on an embedded PostgreSQL (PGlite, in memory) unless
// DATABASE_URL names a server: then start as many copies as you like, on as many machines;
// each delivery is stored once and each job runs on one of them. SIGTERM or Ctrl-C lets
// running jobs finish.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… [DATABASE_URL=postgres://…] pnpm --filter example-pg-boss start
import { createServer } from 'node:http'
import { PGlite } from '@electric-sql/pglite'
import { inklessWebhooks } from '@inkless-webhooks/node'
import { createInklessQueue, createInklessWorker } from '@inkless-webhooks/pg-boss'
import { fromPglite, PgBoss } from 'pg-boss'

const boss = process.env.DATABASE_URL
  ? new PgBoss(process.env.DATABASE_URL)
  : new PgBoss({ db: fromPglite(await PGlite.create()), backend: 'pglite' })

// The worker starts `boss` (installing pg-boss's tables on first use) and creates the queue.
await createInklessWorker({
  boss,
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
      `worker error${attempt ? ` (attempt ${attempt}${final ? ', to the dead-letter queue' : ''})` : ''}: ${error.message}`,
    ),
})

// Your downstream call. With FLAKY_CRM=1 its first attempt fails, so you can watch the worker
// retry the job about a second later (Inkless got its 200 long ago). A retry runs every
// listener of the job again, onEvent included: each must be idempotent.
async function updateCrm(documentToken, attempt) {
  if (process.env.FLAKY_CRM && attempt === 1) throw new Error(`CRM timed out for ${documentToken}`)
}

const server = createServer(inklessWebhooks({ path: '/webhook', queue: createInklessQueue(boss) }))
const host = process.env.HOST ?? '127.0.0.1'
server.listen(Number(process.env.PORT ?? 3000), host, () => {
  console.log(`listening on http://${host}:${server.address().port}/webhook`)
})
