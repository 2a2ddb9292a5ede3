import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { formatWithOptions } from 'node:util'
import type { DedupeStore, InklessWebhooksOptions } from '@inkless-webhooks/core'
import { inklessWebhooks as expressWebhooks } from '@inkless-webhooks/express'
import { inklessWebhooks as fastifyWebhooks } from '@inkless-webhooks/fastify'
import { inklessWebhooks as koaWebhooks } from '@inkless-webhooks/koa'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { pino } from 'pino'
import { pinoHttp } from 'pino-http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventBody, signed } from './support/deliveries.js'
import { send } from './support/http.js'

// Markers that must never reach a log line: the webhook secret, and a field of the body.
const SECRET = 'whsec_never_logged_4f7d2a9c'
const BODY_MARKER = 'BODY_MARKER_c0ffee'
const body = (event = 'document_signed') => eventBody(event, { note: BODY_MARKER })

/** A pino logger writing NDJSON to memory, as it would to a file or a log shipper. */
function memoryLog() {
  const output: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      output.push(String(chunk))
      done()
    },
  })
  const records = () =>
    output
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { stream, output, records, logger: pino({ level: 'debug' }, stream) }
}

const failingStore: DedupeStore = {
  claim: async () => {
    throw new Error('ECONNREFUSED 127.0.0.1:6379')
  },
  complete: () => {},
  release: () => {},
}

/**
 * One app, three webhook routes sharing a logger: handlers that throw, a secret pasted with
 * a trailing newline (the signature diagnostic), and a dedupe store that is down.
 */
const routes = (common: InklessWebhooksOptions) => ({
  '/webhook': {
    ...common,
    secret: SECRET,
    onDocumentSigned: () => {
      throw new Error('CRM unreachable')
    },
  },
  '/misconfigured': { ...common, secret: `${SECRET}\n`, onEvent: () => {} },
  '/store-down': { ...common, secret: SECRET, dedupe: failingStore, onEvent: () => {} },
})

const servers: Server[] = []
async function listen(server: Server) {
  servers.push(server)
  if (!server.listening) await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
afterEach(async () => {
  vi.restoreAllMocks()
  for (const server of servers.splice(0)) {
    server.close()
    await once(server, 'close')
  }
})

/** The same four requests against any app: a failing handler, a forgery, the two misconfigurations. */
async function exercise(base: string) {
  const event = body()
  const statuses = [
    (await send(`${base}/webhook`, { body: event, headers: signed(event, SECRET) })).status,
    (await send(`${base}/webhook`, { body: event, headers: signed(event, 'whsec_forged') })).status,
    (await send(`${base}/misconfigured`, { body: event, headers: signed(event, SECRET) })).status,
    (await send(`${base}/store-down`, { body: event, headers: signed(event, SECRET) })).status,
  ]
  expect(statuses).toEqual([500, 401, 401, 503])
}

/** What every adapter must log for `exercise()`, whatever else the framework adds. */
function expectReports(records: Record<string, unknown>[]) {
  const ours = records.filter((r) => typeof r.code === 'string')
  expect(ours.map((r) => [r.level, r.code, r.status, r.reason])).toEqual([
    [50, 'handler_failed', 500, 'handler_failed'],
    [40, 'signature_rejected', 401, 'bad_signature'],
    [40, 'signature_mismatch', 401, 'bad_signature'],
    [50, 'store_unavailable', 503, 'store_unavailable'],
  ])
  const [handler, rejected, mismatch, store] = ours
  expect(rejected?.count).toBe(1)
  expect(handler).toMatchObject({
    event: 'document_signed',
    listeners: ['onDocumentSigned'],
    msg: '1 listener(s) failed for "document_signed": onDocumentSigned (CRM unreachable)',
    err: { type: 'InklessHandlerError', message: expect.any(String) },
  })
  expect(handler?.dedupeKey).toMatch(/^[\w-]{43}$/)
  expect(mismatch?.msg).toMatch(/trim it/)
  expect(store).toMatchObject({ event: 'document_signed', err: { message: expect.any(String) } })
  expect(store?.dedupeKey).toBe(handler?.dedupeKey)
}

function expectNoSecrets(output: string[]) {
  const text = output.join('')
  expect(text.length).toBeGreaterThan(0)
  expect(text).not.toContain(SECRET)
  expect(text).not.toContain(BODY_MARKER)
}

describe('a given logger (pino)', () => {
  it('Express: every report as a structured record; onError still called', async () => {
    const log = memoryLog()
    const onError = vi.fn()
    const app = express()
    for (const [path, options] of Object.entries(routes({ logger: log.logger, onError }))) {
      app.post(path, expressWebhooks(options))
    }
    await exercise(await listen(app.listen(0, '127.0.0.1')))

    expectReports(log.records())
    expectNoSecrets(log.output)
    expect(onError.mock.calls.map(([error]) => error.code)).toEqual([
      'handler_failed',
      'signature_rejected',
      'signature_mismatch',
      'store_unavailable',
    ])
  })

  it('Koa: the same records', async () => {
    const log = memoryLog()
    const app = new Koa()
    for (const [path, options] of Object.entries(routes({ logger: log.logger }))) {
      app.use(koaWebhooks({ ...options, path }))
    }
    await exercise(await listen(app.listen(0, '127.0.0.1')))

    expectReports(log.records())
    expectNoSecrets(log.output)
  })

  it('a body consumed by express.json() is one error record naming the fix', async () => {
    const log = memoryLog()
    const app = express()
    app.use(express.json())
    app.post('/webhook', expressWebhooks({ secret: SECRET, logger: log.logger }))
    const base = await listen(app.listen(0, '127.0.0.1'))
    const event = body()
    for (let i = 0; i < 2; i++) {
      expect(
        (await send(`${base}/webhook`, { body: event, headers: signed(event, SECRET) })).status,
      ).toBe(500)
    }

    expect(log.records().map((r) => [r.level, r.code, r.status, r.reason])).toEqual([
      [50, 'body_consumed', 500, 'body_consumed'],
    ])
    expect(log.records()[0]?.msg).toMatch(/before express\.json\(\)/)
    expectNoSecrets(log.output)
  })
})

describe('Fastify', () => {
  it("reports through request.log by default: the request's id on every record", async () => {
    const log = memoryLog()
    const app = Fastify({ logger: { stream: log.stream } })
    for (const [path, options] of Object.entries(routes({}))) {
      await app.register(fastifyWebhooks({ ...options, path }))
    }
    await exercise(await app.listen({ port: 0, host: '127.0.0.1' }))

    const records = log.records()
    expectReports(records)
    expectNoSecrets(log.output)
    const reqIds = records.filter((r) => typeof r.code === 'string').map((r) => r.reqId)
    expect(reqIds.every((id) => typeof id === 'string')).toBe(true)
    expect(new Set(reqIds).size).toBe(4)
    await app.close()
  })

  it('a given logger takes precedence over request.log', async () => {
    const framework = memoryLog()
    const given = memoryLog()
    const app = Fastify({ logger: { stream: framework.stream } })
    for (const [path, options] of Object.entries(routes({ logger: given.logger }))) {
      await app.register(fastifyWebhooks({ ...options, path }))
    }
    await exercise(await app.listen({ port: 0, host: '127.0.0.1' }))

    expectReports(given.records())
    expect(framework.records().filter((r) => typeof r.code === 'string')).toEqual([])
    await app.close()
  })
})

describe("the framework's request logger", () => {
  it("Express and Koa: pino-http's req.log and koa-pino-logger's ctx.log when no logger is given", async () => {
    const log = memoryLog()
    const express5 = express()
    // What pino-http and koa-pino-logger do: a child logger per request.
    express5.use((req, _res, next) => {
      ;(req as { log?: unknown }).log = log.logger.child({ reqId: 'express-1' })
      next()
    })
    for (const [path, options] of Object.entries(routes({}))) {
      express5.post(path, expressWebhooks(options))
    }
    await exercise(await listen(express5.listen(0, '127.0.0.1')))
    const koa = new Koa()
    koa.use(async (ctx, next) => {
      ;(ctx as { log?: unknown }).log = log.logger.child({ reqId: 'koa-1' })
      await next()
    })
    for (const [path, options] of Object.entries(routes({}))) {
      koa.use(koaWebhooks({ ...options, path }))
    }
    await exercise(await listen(koa.listen(0, '127.0.0.1')))

    const records = log.records().filter((r) => typeof r.code === 'string')
    expectReports(records.filter((r) => r.reqId === 'express-1'))
    expectReports(records.filter((r) => r.reqId === 'koa-1'))
    expectNoSecrets(log.output)
  })
})

describe('without a logger', () => {
  it('with onError only, nothing reaches the console', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const onError = vi.fn()
    const app = express()
    for (const [path, options] of Object.entries(routes({ onError }))) {
      app.post(path, expressWebhooks(options))
    }
    await exercise(await listen(app.listen(0, '127.0.0.1')))

    expect(onError).toHaveBeenCalledTimes(4)
    expect([...error.mock.calls, ...warn.mock.calls]).toEqual([])
  })

  it('with neither, one console record per report; the root stack only for errors', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const app = new Koa()
    for (const [path, options] of Object.entries(routes({}))) {
      app.use(koaWebhooks({ ...options, path }))
    }
    await exercise(await listen(app.listen(0, '127.0.0.1')))

    expect(error.mock.calls.map(([text]) => String(text).split('\n').slice(0, 2))).toEqual([
      [
        '[inkless-webhooks] 1 listener(s) failed for "document_signed": onDocumentSigned (CRM unreachable)',
        'Error: CRM unreachable',
      ],
      [
        '[inkless-webhooks] The dedupe store could not be reached; answered 503 so Inkless retries.',
        'Error: ECONNREFUSED 127.0.0.1:6379',
      ],
    ])
    expect(warn.mock.calls).toEqual([
      [expect.stringMatching(/^\[inkless-webhooks\] 1 request\(s\) with an invalid signature/)],
      [expect.stringMatching(/^\[inkless-webhooks\] Signature mismatch/)],
    ])
    expect(JSON.stringify([error.mock.calls, warn.mock.calls])).not.toContain(SECRET)
  })
})

describe('issue 22: reports an operator can act on', () => {
  it('a handler failure without a logger: one console record, with the handler message in its headline and one stack', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    let thrown: Error | undefined
    const app = express()
    app.post(
      '/webhook',
      expressWebhooks({
        secret: SECRET,
        onDocumentSigned: () => {
          thrown = new Error('CRM unreachable')
          throw thrown
        },
      }),
    )
    const base = await listen(app.listen(0, '127.0.0.1'))
    const event = body()
    expect(
      (await send(`${base}/webhook`, { body: event, headers: signed(event, SECRET) })).status,
    ).toBe(500)

    expect(error).toHaveBeenCalledTimes(1)
    const printed = formatWithOptions({ colors: false }, ...(error.mock.calls[0] as unknown[]))
    expect(printed.split('\n')[0]).toContain('CRM unreachable')
    expect(printed).toContain(thrown?.stack)
    // Nothing but that one stack: no aggregate's, no second copy.
    const rest = printed.replace(thrown?.stack as string, '')
    expect(rest).not.toMatch(/\n\s+at /)
    expect(printed).not.toContain(SECRET)
  })

  it("under pino, a handler failure's errors serialise with their message and code", async () => {
    const log = memoryLog()
    const app = express()
    app.post(
      '/webhook',
      expressWebhooks({
        secret: SECRET,
        logger: log.logger,
        onDocumentSigned: () => {
          throw Object.assign(new Error('CRM unreachable'), { code: 'ECONNRESET' })
        },
      }),
    )
    const base = await listen(app.listen(0, '127.0.0.1'))
    const event = body()
    await send(`${base}/webhook`, { body: event, headers: signed(event, SECRET) })
    const [record] = log.records()
    expect(record?.err).toMatchObject({
      code: 'handler_failed',
      failures: [
        { listener: 'onDocumentSigned', error: { message: 'CRM unreachable', code: 'ECONNRESET' } },
      ],
    })
    expect(record?.msg).toContain('CRM unreachable')
  })

  it("Fastify's default (silent) logger: a failure is still reported, on the console", async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const app = Fastify()
    await app.register(
      fastifyWebhooks({
        path: '/webhook',
        secret: SECRET,
        onDocumentSigned: () => {
          throw new Error('CRM unreachable')
        },
      }),
    )
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const event = body()
    expect(
      (await send(`${base}/webhook`, { body: event, headers: signed(event, SECRET) })).status,
    ).toBe(500)
    await app.close()
    expect(error).toHaveBeenCalledTimes(1)
    expect(String(error.mock.calls[0]?.[0])).toContain('CRM unreachable')
  })

  it('rejected signatures are counted and reported once a minute, never with the body', async () => {
    const log = memoryLog()
    let clock = 0
    const app = express()
    app.post('/webhook', expressWebhooks({ secret: SECRET, logger: log.logger, now: () => clock }))
    const base = await listen(app.listen(0, '127.0.0.1'))
    const forge = async () => {
      const event = body()
      expect(
        (await send(`${base}/webhook`, { body: event, headers: signed(event, 'whsec_forged') }))
          .status,
      ).toBe(401)
    }
    for (let i = 0; i < 30; i++) await forge()
    clock += 60_000
    await forge()
    const records = log.records()
    expect(records.map((r) => [r.level, r.code, r.count, r.status])).toEqual([
      [40, 'signature_rejected', 1, 401],
      [40, 'signature_rejected', 30, 401],
    ])
    expect(records[1]?.msg).toBe(
      "30 request(s) with an invalid signature in the last minute; if Inkless's deliveries are among them, check the secret.",
    )
    expectNoSecrets(log.output)
  })

  it('a forgery does not use up the minute: the secret hint still prints after one', async () => {
    const log = memoryLog()
    const app = express()
    app.post('/webhook', expressWebhooks({ secret: `${SECRET}\n`, logger: log.logger }))
    const base = await listen(app.listen(0, '127.0.0.1'))
    const event = body()
    await send(`${base}/webhook`, { body: event, headers: signed(event, 'whsec_forged') })
    await send(`${base}/webhook`, { body: event, headers: signed(event, SECRET) })
    const hints = log.records().filter((r) => r.code === 'signature_mismatch')
    expect(hints.map((r) => r.msg)).toEqual([expect.stringMatching(/trim it/)])
  })
})

describe("pino-http's request logger", () => {
  it('with the redact line of docs/operations.md, no record carries the signature, the secret or the body', async () => {
    const log = memoryLog()
    const app = express()
    app.use(pinoHttp({ logger: log.logger, redact: ['req.headers["x-inkless-signature"]'] }))
    for (const [path, options] of Object.entries(routes({}))) {
      app.post(path, expressWebhooks(options))
    }
    const base = await listen(app.listen(0, '127.0.0.1'))
    const event = body()
    const headers = signed(event, SECRET)
    expect((await send(`${base}/webhook`, { body: event, headers })).status).toBe(500)
    await exercise(base)

    const records = log.records()
    // pino-http's own request records, and ours through req.log, with the request bound.
    expect(records.filter((r) => r.code === 'handler_failed').length).toBeGreaterThan(0)
    expect(records.every((r) => (r.req as { id?: unknown } | undefined)?.id !== undefined)).toBe(
      true,
    )
    expectNoSecrets(log.output)
    expect(log.output.join('')).not.toContain(headers['x-inkless-signature'])
  })
})
