// Replaying dead-lettered deliveries: `replayFailedJobs` from @inkless-webhooks/pg-boss and
// `inkless-webhooks replay --pg-boss`, against a real PostgreSQL, pg-boss and a worker.
import { createInklessWebhooks } from '@inkless-webhooks/core'
import {
  createInklessQueue,
  createInklessWorker,
  deadLetterQueueOf,
  type InklessJobData,
  jobIdOf,
  replayFailedJobs,
} from '@inkless-webhooks/pg-boss'
import { PgBoss } from 'pg-boss'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { cli } from './support/cli.js'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { freePort } from './support/ports.js'
import { PostgresServer } from './support/postgres.js'
import { recordingReceiver } from './support/receiver.js'

let postgres: PostgresServer
const cleanup: (() => Promise<unknown>)[] = []
beforeAll(async () => {
  postgres = await PostgresServer.start()
})
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()))
})
afterAll(() => postgres.destroy())

let queues = 0
const WAIT = { timeout: 20_000, interval: 200 }

/**
 * A multi-tenant receiver (tenant from the path) and a worker whose CRM is down: four
 * deliveries dead-lettered after their one attempt. `crm.up = true` makes later runs succeed;
 * `crm.failFirst` fails each replayed job's first run, to show it has its attempts again.
 */
async function deadLettered() {
  const queueName = `inkless-replay-${++queues}`
  const boss = new PgBoss({ connectionString: postgres.url, max: 3 })
  boss.on('error', () => {})
  await boss.start()
  cleanup.push(() => boss.stop({ graceful: false, timeout: 1000 }))
  const webhooks = createInklessWebhooks({
    tenant: (request) => request.url?.split('/')[2],
    secret: () => SECRET,
    queue: createInklessQueue(boss, { queueName, attempts: 1 }),
  })
  const crm = { up: false, failFirst: false }
  const ran: string[] = []
  // The runs a failing replayed job has in all, as the worker reports them.
  const attempts: number[] = []
  const fail = (
    event: { event: string },
    context: { tenant?: string | undefined; attempt: number },
  ) => {
    if (!crm.up || (crm.failFirst && context.attempt === 1)) throw new Error('CRM down')
    ran.push(`${event.event} ${context.tenant} attempt ${context.attempt}`)
  }
  const worker = await createInklessWorker({
    boss: new PgBoss({ connectionString: postgres.url, max: 3 }),
    queueName,
    work: { pollingIntervalMs: 500 },
    signals: false,
    onError: (_error, context) => {
      if (crm.up && context.attempts !== undefined) attempts.push(context.attempts)
    },
    onDocumentComplete: fail,
    onLinkViewed: fail,
  })
  cleanup.unshift(() => worker.close())
  const deadLetters = async () =>
    (await boss.findJobs<InklessJobData>(deadLetterQueueOf(queueName), { queued: true })).map(
      (j) => j.data,
    )
  const bodies = new Map<string, string>()
  const post = (tenant: string, body: string) =>
    webhooks.handle({
      method: 'POST',
      url: `/webhooks/${tenant}`,
      headers: signed(body),
      rawBody: body,
    })
  const deliver = async (tenant: string, event: string) => {
    const body = eventBody(event)
    const answer = await post(tenant, body)
    expect(answer.status).toBe(200)
    await vi.waitFor(
      async () => expect((await deadLetters()).map((d) => d.rawBody)).toContain(body),
      WAIT,
    )
    const data = (await deadLetters()).find((d) => d.rawBody === body) as InklessJobData
    bodies.set(jobIdOf(data.dedupeKey), body)
    return jobIdOf(data.dedupeKey)
  }
  const [a, b, c] = await Promise.all([
    deliver('acme', 'document_complete'),
    deliver('globex', 'document_complete'),
    deliver('acme', 'link_viewed'),
  ])
  await new Promise((r) => setTimeout(r, 20))
  const between = new Date()
  const d = await deliver('acme', 'document_complete')
  return {
    boss,
    queueName,
    crm,
    ran,
    attempts,
    deadLetters,
    bodies,
    post,
    ids: { a, b, c, d } as Record<'a' | 'b' | 'c' | 'd', string>,
    between,
  }
}

const idsOf = (jobs: { id: string }[]) => jobs.map((j) => j.id).sort()

describe('replayFailedJobs (pg-boss)', { timeout: 60_000 }, () => {
  it('by event, tenant, id and time; dryRun changes nothing; replayed jobs run once, with their full attempts', async () => {
    const { boss, queueName, crm, ran, attempts, deadLetters, ids, between, bodies, post } =
      await deadLettered()

    const listed = await replayFailedJobs(boss, {
      queueName,
      event: 'document_complete',
      tenant: 'acme',
      dryRun: true,
    })
    expect(idsOf(listed)).toEqual([ids.a, ids.d].sort())
    expect(listed[0]).toMatchObject({ event: 'document_complete', tenant: 'acme', attempts: 1 })
    expect(listed[0]?.reason).toMatch(/CRM down/)
    expect(await deadLetters()).toHaveLength(4)

    const dry = { queueName, dryRun: true }
    expect(idsOf(await replayFailedJobs(boss, { ...dry, since: between }))).toEqual([ids.d])
    // An id, or the dedupe key it derives from.
    const key = (await deadLetters()).find((d) => jobIdOf(d.dedupeKey) === ids.c)?.dedupeKey
    expect(idsOf(await replayFailedJobs(boss, { ...dry, ids: [key as string] }))).toEqual([ids.c])
    expect(idsOf(await replayFailedJobs(boss, { ...dry, ids: [ids.c] }))).toEqual([ids.c])
    expect(await replayFailedJobs(boss, { ...dry, tenant: 'initech' })).toEqual([])
    await expect(replayFailedJobs(boss, { queueName, since: Number.NaN })).rejects.toThrow(/since/)
    expect(await deadLetters()).toHaveLength(4)

    // Up, but each replayed job's first run fails: it is retried, not dead-lettered again.
    crm.up = true
    crm.failFirst = true
    const replayed = await replayFailedJobs(boss, {
      queueName,
      event: 'document_complete',
      tenant: 'acme',
      attempts: 5,
    })
    expect(idsOf(replayed)).toEqual([ids.a, ids.d].sort())
    await vi.waitFor(() => expect(ran).toHaveLength(2), WAIT)
    expect(ran).toEqual(['document_complete acme attempt 2', 'document_complete acme attempt 2'])
    // The attempts asked for (pg-boss's own default would be 3, the original job had 1).
    expect(attempts).toEqual([5, 5])
    expect((await deadLetters()).map((d) => jobIdOf(d.dedupeKey)).sort()).toEqual(
      [ids.b, ids.c].sort(),
    )
    // Nothing left to replay for that filter, and nothing runs twice.
    expect(
      await replayFailedJobs(boss, { queueName, tenant: 'acme', event: 'document_complete' }),
    ).toEqual([])
    // The failed original keeps its id: Inkless's own retry of it is still a duplicate.
    const again = await post('acme', bodies.get(ids.a) as string)
    expect([again.status, again.body]).toEqual([200, expect.stringContaining('duplicate')])
    await new Promise((r) => setTimeout(r, 1500))
    expect(ran).toHaveLength(2)
  })
})

describe('inkless-webhooks replay --pg-boss', { timeout: 60_000 }, () => {
  it('--dry-run lists the matching dead-lettered jobs; without it they run again once; --since 1h, --id', async () => {
    const { queueName, crm, ran, deadLetters, ids } = await deadLettered()
    const base = ['replay', '--pg-boss', postgres.url, '--queue', queueName]

    const dry = await cli([
      ...base,
      '--event',
      'document_complete',
      '--tenant',
      'acme',
      '--dry-run',
    ])
    expect(dry.stderr).toBe('')
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain(ids.a)
    expect(dry.stdout).toContain(ids.d)
    expect(dry.stdout).not.toContain(ids.b)
    expect(dry.stdout).toMatch(/CRM down/)
    expect(dry.stdout).toMatch(
      /2 failed job\(s\) of \S+ would run again; nothing changed \(--dry-run\)/,
    )
    expect(await deadLetters()).toHaveLength(4)

    crm.up = true
    const rerun = await cli([...base, '--since', '1h', '--id', ids.b, '--id', ids.c])
    expect(rerun.code).toBe(0)
    expect(rerun.stdout).toMatch(/2 failed job\(s\) of \S+ moved back to waiting/)
    await vi.waitFor(() => expect(ran).toHaveLength(2), WAIT)
    expect(ran.sort()).toEqual(['document_complete globex attempt 1', 'link_viewed acme attempt 1'])
    expect(await deadLetters()).toHaveLength(2)
    await new Promise((r) => setTimeout(r, 1500))
    expect(ran).toHaveLength(2)
  })

  it('--to <url> --resign: sends the dead-lettered bodies to a receiver as new deliveries', async () => {
    const { queueName, ids, deadLetters } = await deadLettered()
    const { url: to, received, close } = await recordingReceiver()
    cleanup.push(close)
    const sent = await cli(
      ['replay', '--pg-boss', postgres.url, '--queue', queueName, '--event', 'link_viewed'].concat([
        '--to',
        to,
        '--resign',
      ]),
      { env: { INKLESS_WEBHOOK_SECRET: SECRET } },
    )
    expect(sent.code).toBe(0)
    expect(sent.stdout).toContain(`${ids.c} link_viewed  200 ok`)
    expect(received).toEqual(['link_viewed a1b2c3d4e5f6'])
    // The dead letters stay: this was a new delivery.
    expect(await deadLetters()).toHaveLength(4)
  })

  it('says when PostgreSQL cannot be reached, in one line without the password; an unknown queue', async () => {
    const port = await freePort()
    const down = await cli(['replay', '--pg-boss', `postgres://inkless:s3cret@127.0.0.1:${port}/x`])
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(
      /^inkless-webhooks: cannot re-run the failed jobs at postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/,
    )
    expect(down.stderr).not.toContain('s3cret')
    expect(down.stderr.trim().split('\n')).toHaveLength(1)
    // pg-boss's schema installed, no such queue.
    const boss = new PgBoss({ connectionString: postgres.url, max: 1 })
    await boss.start()
    await boss.stop({ graceful: false, timeout: 1000 })
    const unknown = await cli(['replay', '--pg-boss', postgres.url, '--queue', 'nope', '--dry-run'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringMatching(/nope\.dead-letter/)])
  })
})
