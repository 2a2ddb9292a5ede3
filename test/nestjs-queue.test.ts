// Queue mode in Nest: a receiver app (InklessWebhooksModule with `queue`) stores deliveries in
// BullMQ on a real redis-server; a worker app (a Nest application context with
// InklessWorkerModule) runs the @OnInklessEvent methods of its providers for each job.
import { createInklessWorker, inklessQueue, type JobContext } from '@inkless-webhooks/bullmq'
import type { InklessEventOf } from '@inkless-webhooks/core'
import {
  InklessWebhooksModule,
  InklessWorkerModule,
  OnInklessEvent,
} from '@inkless-webhooks/nestjs'
import { createTestEvent, sendWebhook } from '@inkless-webhooks/testing'
import { Controller, Injectable, Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisServer } from './support/redis.js'

const SECRET = 'whsec_nest_queue'
const PATH = '/webhooks/inkless'

@Injectable()
class Ledger {
  readonly runs: string[] = []
  failFirst = new Set<string>()
}

@Injectable()
class WorkerHandlers {
  constructor(private readonly ledger: Ledger) {}

  @OnInklessEvent('document_signed')
  onSigned(event: InklessEventOf<'document_signed'>, context: JobContext) {
    this.ledger.runs.push(`${event.document_token} attempt ${context.attempt}`)
    if (this.ledger.failFirst.delete(event.document_token)) throw new Error('CRM unavailable')
  }
}

/** A controller's handlers run in the worker too (an application context has no routes). */
@Controller('completions')
class CompletionsController {
  constructor(private readonly ledger: Ledger) {}

  @OnInklessEvent('document_complete')
  onComplete(event: InklessEventOf<'document_complete'>, context: JobContext) {
    this.ledger.runs.push(`${event.document_token} by controller attempt ${context.attempt}`)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function waitFor(found: () => boolean, ms = 10_000) {
  for (const deadline = Date.now() + ms; !found() && Date.now() < deadline; ) await sleep(20)
}

describe('Nest queue mode: InklessWebhooksModule with `queue`, InklessWorkerModule on BullMQ', () => {
  let redis: RedisServer
  let queue: Queue
  let url: string
  let ledger: Ledger
  const failures: string[] = []
  const closers: (() => Promise<unknown>)[] = []

  beforeAll(async () => {
    redis = await RedisServer.start('none')
    const connection = { host: '127.0.0.1', port: redis.port }
    queue = new Queue('inkless-nest', { connection })

    @Module({
      imports: [
        InklessWebhooksModule.forRoot({
          path: PATH,
          secret: SECRET,
          queue: inklessQueue(queue, { backoff: { type: 'fixed', delay: 20 } }),
        }),
      ],
      // The receiver's own handlers are not run: with a queue they belong to the worker.
      providers: [Ledger, WorkerHandlers],
    })
    class ReceiverModule {}

    @Module({
      imports: [
        InklessWorkerModule.forRootAsync({
          useFactory: () => ({
            createWorker: () =>
              createInklessWorker({
                connection,
                queueName: 'inkless-nest',
                onError: (error) => failures.push(error.message),
              }),
          }),
        }),
      ],
      controllers: [CompletionsController],
      providers: [Ledger, WorkerHandlers],
    })
    class WorkerModule {}

    const receiver = await NestFactory.create(ReceiverModule, {
      logger: false,
      abortOnError: false,
    })
    await receiver.listen(0, '127.0.0.1')
    url = `${await receiver.getUrl()}${PATH}`.replace('[::1]', '127.0.0.1')
    const worker = await NestFactory.createApplicationContext(WorkerModule, {
      logger: false,
      abortOnError: false,
    })
    ledger = worker.get(Ledger)
    expect(receiver.get(Ledger)).not.toBe(ledger)
    closers.push(
      () => receiver.close(),
      () => worker.close(),
    )
  })

  afterAll(async () => {
    for (const close of closers) await close()
    await queue?.close()
    await redis?.destroy()
  })

  it('runs the decorated method in the worker with the job context; a duplicate is not run again', async () => {
    const event = createTestEvent('document_signed', { document_token: 'doc_queued' })
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    await waitFor(() => ledger.runs.includes('doc_queued attempt 1'))
    await sleep(100)
    expect(ledger.runs.filter((r) => r.startsWith('doc_queued'))).toEqual(['doc_queued attempt 1'])
  })

  it("runs a controller's decorated method in the worker", async () => {
    const event = createTestEvent('document_complete', { document_token: 'doc_complete' })
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    await waitFor(() => ledger.runs.includes('doc_complete by controller attempt 1'))
    expect(ledger.runs.filter((r) => r.startsWith('doc_complete'))).toEqual([
      'doc_complete by controller attempt 1',
    ])
  })

  it('a handler that throws fails the job, and BullMQ retries it', async () => {
    ledger.failFirst.add('doc_flaky')
    const event = createTestEvent('document_signed', { document_token: 'doc_flaky' })
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    await waitFor(() => ledger.runs.includes('doc_flaky attempt 2'))
    expect(ledger.runs.filter((r) => r.startsWith('doc_flaky'))).toEqual([
      'doc_flaky attempt 1',
      'doc_flaky attempt 2',
    ])
    expect(failures).toEqual([
      expect.stringMatching(/WorkerHandlers\.onSigned \(CRM unavailable\)/),
    ])
  })

  it('refuses a forged delivery at the receiver: nothing is queued', async () => {
    const event = createTestEvent('document_signed', { document_token: 'doc_forged' })
    expect((await sendWebhook(url, event, { secret: 'forged' })).status).toBe(401)
    await sleep(100)
    expect(ledger.runs.filter((r) => r.startsWith('doc_forged'))).toEqual([])
  })
})
