// Replaying failed jobs (issue 20): `replayFailedJobs` from @inkless-webhooks/bullmq and
// `inkless-webhooks replay --bullmq`, against a real redis-server, BullMQ and a worker.
import { createInklessWorker, inklessQueue, replayFailedJobs } from '@inkless-webhooks/bullmq'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import { Queue } from 'bullmq'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { cli } from './support/cli.js'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { freePort } from './support/ports.js'
import { recordingReceiver } from './support/receiver.js'
import { RedisServer } from './support/redis.js'

let redis: RedisServer
const cleanup: (() => Promise<unknown>)[] = []
beforeAll(async () => {
  redis = await RedisServer.start('none')
})
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()))
})
afterAll(() => redis.destroy())

let queues = 0
const connection = () => ({ host: '127.0.0.1', port: redis.port })

/**
 * A multi-tenant receiver (tenant from the path) and a worker whose CRM is down: four
 * deliveries end in the failed set. `crm.up = true` makes later runs succeed.
 */
async function failedSet() {
  const queue = new Queue(`inkless-replay-${++queues}`, { connection: connection() })
  cleanup.push(() => queue.close())
  const webhooks = createInklessWebhooks({
    tenant: (request) => request.url?.split('/')[2],
    secret: () => SECRET,
    queue: inklessQueue(queue, { attempts: 1 }),
  })
  const crm = { up: false }
  const ran: string[] = []
  const fail = (event: { event: string }, { tenant }: { tenant?: string | undefined }) => {
    if (!crm.up) throw new Error('CRM down')
    ran.push(`${event.event} ${tenant}`)
  }
  const worker = createInklessWorker({
    connection: connection(),
    queueName: queue.name,
    signals: false,
    onError: () => {},
    onDocumentComplete: fail,
    onLinkViewed: fail,
  })
  cleanup.unshift(() => worker.close())
  const deliver = async (tenant: string, event: string) => {
    const body = eventBody(event)
    const answer = await webhooks.handle({
      method: 'POST',
      url: `/webhooks/${tenant}`,
      headers: signed(body),
      rawBody: body,
    })
    expect(answer.status).toBe(200)
    await vi.waitFor(async () => {
      const failed = await queue.getFailed()
      expect(failed.map((j) => j.data.rawBody)).toContain(body)
    })
    const failed = await queue.getFailed()
    return failed.find((j) => j.data.rawBody === body)?.id as string
  }
  const a = await deliver('acme', 'document_complete')
  const b = await deliver('globex', 'document_complete')
  const c = await deliver('acme', 'link_viewed')
  await new Promise((r) => setTimeout(r, 20))
  const between = new Date()
  const d = await deliver('acme', 'document_complete')
  return { queue, crm, ran, ids: { a, b, c, d }, between }
}

describe('replayFailedJobs', () => {
  it('by event, tenant, id and time; dryRun changes nothing; replayed jobs run again with their full attempts', async () => {
    const { queue, crm, ran, ids, between } = await failedSet()
    const idsOf = (jobs: { id?: string | undefined }[]) => jobs.map((j) => j.id).sort()

    const listed = await replayFailedJobs(queue, {
      event: 'document_complete',
      tenant: 'acme',
      dryRun: true,
    })
    expect(idsOf(listed)).toEqual([ids.a, ids.d].sort())
    expect(listed[0]).toMatchObject({ event: 'document_complete', tenant: 'acme', attempts: 1 })
    expect(listed[0]?.reason).toMatch(/CRM down/)
    expect(await queue.getFailedCount()).toBe(4)

    expect(idsOf(await replayFailedJobs(queue, { since: between, dryRun: true }))).toEqual([ids.d])
    // An id, or the dedupe key it derives from.
    const key = ids.c.replace(/^inkless-/, '')
    expect(idsOf(await replayFailedJobs(queue, { ids: [key], dryRun: true }))).toEqual([ids.c])
    expect(await replayFailedJobs(queue, { tenant: 'initech', dryRun: true })).toEqual([])
    await expect(replayFailedJobs(queue, { since: Number.NaN })).rejects.toThrow(/since/)

    crm.up = true
    const replayed = await replayFailedJobs(queue, { event: 'document_complete', tenant: 'acme' })
    expect(idsOf(replayed)).toEqual([ids.a, ids.d].sort())
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(2))
    expect(ran).toEqual(['document_complete acme', 'document_complete acme'])
    expect(idsOf(await queue.getFailed())).toEqual([ids.b, ids.c].sort())
  })
})

describe('inkless-webhooks replay --bullmq', () => {
  it('--dry-run lists the matching failed jobs; without it they run again; --since 1h, --id', async () => {
    const { queue, crm, ran, ids } = await failedSet()
    const base = ['replay', '--bullmq', redis.url, '--queue', queue.name]

    const dry = await cli([
      ...base,
      '--event',
      'document_complete',
      '--tenant',
      'acme',
      '--dry-run',
    ])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain(ids.a)
    expect(dry.stdout).toContain(ids.d)
    expect(dry.stdout).not.toContain(ids.b)
    expect(dry.stdout).toMatch(/CRM down/)
    expect(dry.stdout).toMatch(
      /2 failed job\(s\) of \S+ would run again; nothing changed \(--dry-run\)/,
    )
    expect(await queue.getFailedCount()).toBe(4)

    crm.up = true
    const rerun = await cli([...base, '--since', '1h', '--id', ids.b, '--id', ids.c])
    expect(rerun.code).toBe(0)
    expect(rerun.stdout).toMatch(/2 failed job\(s\) of \S+ moved back to waiting/)
    await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(2))
    expect(ran.sort()).toEqual(['document_complete globex', 'link_viewed acme'])
  })

  it("--to <url> --resign: sends the failed jobs' bodies to a receiver as new deliveries", async () => {
    const { queue, ids } = await failedSet()
    const { url: to, received, close } = await recordingReceiver()
    cleanup.push(close)
    const sent = await cli(
      [
        'replay',
        '--bullmq',
        redis.url,
        '--queue',
        queue.name,
        '--event',
        'link_viewed',
        '--to',
        to,
        '--resign',
      ],
      { env: { INKLESS_WEBHOOK_SECRET: SECRET } },
    )
    expect(sent.code).toBe(0)
    expect(sent.stdout).toContain(`${ids.c} link_viewed  200 ok`)
    expect(received).toEqual(['link_viewed a1b2c3d4e5f6'])
    // The job itself stays failed: this was a new delivery.
    expect(await queue.getFailedCount()).toBe(4)
  })

  it('refuses filters without a queue, a bad --since, and says when Redis cannot be reached', async () => {
    const history = await cli([
      'replay',
      'history.json',
      '--event',
      'link_viewed',
      '--to',
      'http://127.0.0.1:1/',
    ])
    expect([history.code, history.stderr]).toEqual([
      2,
      expect.stringMatching(/--event selects failed jobs: use it with --bullmq/),
    ])
    const since = await cli(['replay', '--bullmq', redis.url, '--since', 'yesterday'])
    expect([since.code, since.stderr]).toEqual([
      2,
      expect.stringMatching(/--since yesterday: not an ISO 8601 time/),
    ])
    const down = await cli(['replay', '--bullmq', `redis://127.0.0.1:${await freePort()}`])
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(
      /^inkless-webhooks: cannot re-run the failed jobs at redis:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    )
    expect(down.stderr.trim().split('\n')).toHaveLength(1)
  })
})
