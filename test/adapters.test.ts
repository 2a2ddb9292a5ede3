import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type RequestListener, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createInklessWebhooks, type InklessWebhooksOptions } from '@inkless-webhooks/core'
import { inklessWebhooks as expressWebhooks } from '@inkless-webhooks/express'
import fastifyDefault, { inklessWebhooks as fastifyWebhooks } from '@inkless-webhooks/fastify'
import { inklessWebhooks as koaWebhooks } from '@inkless-webhooks/koa'
import { inklessWebhooks as nodeWebhooks } from '@inkless-webhooks/node'
import koaBodyParser from '@koa/bodyparser'
import Router from '@koa/router'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import Koa from 'koa'
import legacyBodyParser from 'koa-bodyparser'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { send } from './support/http.js'

const servers: Server[] = []
const execute = promisify(execFile)
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
    await once(server, 'close')
  }
})

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

// Core's options and an adapter's own (`path`), as each adapter takes them.
const options = <T extends InklessWebhooksOptions & { path?: string }>(
  extra: T = {} as T,
): T & { secret: string } => ({ secret: SECRET, ...extra })
const postEvent = (url: string, body = eventBody()) => send(url, { body, headers: signed(body) })

describe.each([
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
])('%s', (_, make) => {
  it('app.post(path, middleware) receives events', async () => {
    const onEvent = vi.fn()
    const app = make()
    app.post('/webhook', expressWebhooks(options({ onEvent })))
    const base = await listen(app)
    expect((await postEvent(`${base}/webhook`)).status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('app.use(inklessWebhooks(instance, { path })): the webhook there, other paths to next', async () => {
    const onEvent = vi.fn()
    const app = make()
    app.use(expressWebhooks(createInklessWebhooks(options({ onEvent })), { path: '/webhook' }))
    app.post('/other', (_req, res) => {
      res.send('next')
    })
    const base = await listen(app)
    expect((await postEvent(`${base}/webhook`)).status).toBe(200)
    const other = await postEvent(`${base}/other`)
    expect([other.status, other.body]).toEqual([200, 'next'])
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('after express.json(): 500 naming the fix, reported once, never 401, never a hang', async () => {
    const onError = vi.fn()
    const onEvent = vi.fn()
    const app = make()
    app.use(make.json())
    app.post('/webhook', expressWebhooks(options({ onError, onEvent })))
    const base = await listen(app)
    for (let i = 0; i < 2; i++) {
      const res = await postEvent(`${base}/webhook`)
      expect(res.status).toBe(500)
      expect(res.body).toMatch(/before express\.json\(\)/)
      expect(res.body).toMatch(/rawBody/)
    }
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'body_consumed' })
    expect(onEvent).not.toHaveBeenCalled()
  })

  it.each([
    [
      'express.json({ verify }) keeping req.rawBody',
      () =>
        make.json({
          verify: (req, _res, buf) => {
            ;(req as unknown as { rawBody?: Buffer }).rawBody = buf
          },
        }),
    ],
    ["express.raw({ type: '*/*' })", () => make.raw({ type: '*/*' })],
    ["express.text({ type: '*/*' }), as in Inkless's guide", () => make.text({ type: '*/*' })],
  ])('after %s: verified from the kept bytes', async (_, parser) => {
    const onEvent = vi.fn()
    const app = make()
    app.use(parser())
    app.post('/webhook', expressWebhooks(options({ onEvent })))
    const base = await listen(app)
    expect((await postEvent(`${base}/webhook`)).status).toBe(200)
    const tampered = eventBody()
    expect((await send(`${base}/webhook`, { body: tampered, headers: signed('x') })).status).toBe(
      401,
    )
    expect(onEvent).toHaveBeenCalledTimes(1)
  })
})

describe('koa', () => {
  it('router.post(path, middleware) receives events', async () => {
    const onEvent = vi.fn()
    const app = new Koa()
    const router = new Router()
    router.post('/webhook', koaWebhooks(options({ onEvent })))
    app.use(router.routes())
    const base = await listen(app.callback())
    expect((await postEvent(`${base}/webhook`)).status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it.each([
    ['koa-bodyparser', () => legacyBodyParser()],
    ['@koa/bodyparser', () => koaBodyParser()],
  ])('after %s ran first: verified from ctx.request.rawBody', async (_, parser) => {
    const onEvent = vi.fn()
    const app = new Koa()
    app.use(parser()).use(koaWebhooks(options({ path: '/webhook', onEvent })))
    const base = await listen(app.callback())
    expect((await postEvent(`${base}/webhook`)).status).toBe(200)
    expect(
      (await send(`${base}/webhook`, { body: eventBody(), headers: signed('x') })).status,
    ).toBe(401)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('after a parser that kept no raw body: 500 naming the fix, reported once', async () => {
    const onError = vi.fn()
    const app = new Koa()
    app.use(async (ctx, next) => {
      const parts: Buffer[] = []
      for await (const chunk of ctx.req) parts.push(chunk as Buffer)
      ctx.request.body = JSON.parse(Buffer.concat(parts).toString())
      await next()
    })
    app.use(koaWebhooks(options({ path: '/webhook', onError })))
    const base = await listen(app.callback())
    for (let i = 0; i < 2; i++) {
      const res = await postEvent(`${base}/webhook`)
      expect(res.status).toBe(500)
      expect(res.body).toMatch(/before the body parser/)
    }
    expect(onError).toHaveBeenCalledTimes(1)
  })

  it('other paths go on to the next middleware', async () => {
    const app = new Koa()
    app.use(koaWebhooks(options({ path: '/webhook' })))
    app.use((ctx) => {
      ctx.body = 'next ran'
    })
    const base = await listen(app.callback())
    expect((await send(`${base}/elsewhere`, { method: 'GET' })).body).toBe('next ran')
  })
})

describe('fastify', () => {
  const inject = (app: ReturnType<typeof Fastify>, url = '/webhook') => {
    const body = eventBody()
    return app.inject({ method: 'POST', url, payload: body, headers: signed(body) })
  }

  it('app.register(inklessWebhooks(options)): the route, the instance as .webhooks and the decorator', async () => {
    const onEvent = vi.fn()
    const plugin = fastifyWebhooks(options({ path: '/webhook', onEvent }))
    const later = vi.fn()
    plugin.webhooks.on('document_signed', later)
    const app = Fastify()
    await app.register(plugin)
    expect(app.inklessWebhooks).toBe(plugin.webhooks)
    expect((await inject(app)).statusCode).toBe(200)
    expect([onEvent, later].map((f) => f.mock.calls.length)).toEqual([1, 1])
    await app.close()
  })

  it('app.register(inklessWebhooks(instance, { path })), under a register prefix', async () => {
    const onEvent = vi.fn()
    const webhooks = createInklessWebhooks(options({ onEvent }))
    const app = Fastify()
    await app.register(fastifyWebhooks(webhooks, { path: '/webhook' }), { prefix: '/api' })
    expect(app.inklessWebhooks).toBe(webhooks)
    expect((await inject(app, '/api/webhook')).statusCode).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
    await app.close()
  })

  it('refuses a second registration on the same path', async () => {
    const app = Fastify()
    await app.register(fastifyWebhooks(options({ path: '/webhook' })))
    app.register(fastifyWebhooks(options({ path: '/webhook' })))
    await expect(app.ready()).rejects.toThrow(/already registered on "\/webhook"/)
  })

  it('serves two paths; the decorator is the first instance; the default export is the factory', async () => {
    const first = vi.fn()
    const second = vi.fn()
    const app = Fastify()
    await app.register(fastifyDefault(options({ path: '/a', onEvent: first })))
    await app.register(fastifyWebhooks(options({ path: '/b', onEvent: second })))
    const later = vi.fn()
    app.inklessWebhooks?.on('document_signed', later)
    await app.listen({ port: 0, host: '127.0.0.1' })
    servers.push(app.server)
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    expect((await postEvent(`${base}/a`)).status).toBe(200)
    expect((await postEvent(`${base}/b`)).status).toBe(200)
    expect([first, second, later].map((f) => f.mock.calls.length)).toEqual([1, 1, 1])
  })

  it('needs a path, and says so when the plugin is made', () => {
    expect(() => fastifyWebhooks(options() as never)).toThrow(
      /^inkless-webhooks: the fastify plugin needs a `path`/,
    )
    expect(() => fastifyWebhooks(createInklessWebhooks(options()), {} as never)).toThrow(
      /needs a `path`/,
    )
  })

  describe('deprecated: the function registered with options', () => {
    it('serves core options, and an existing instance as `webhooks`', async () => {
      const onEvent = vi.fn()
      const app = Fastify()
      await app.register(fastifyWebhooks, options({ path: '/a', onEvent }))
      const webhooks = createInklessWebhooks(options({ onEvent }))
      await app.register(fastifyWebhooks, { path: '/b', webhooks })
      expect(app.inklessWebhooks).not.toBe(webhooks)
      expect((await inject(app, '/a')).statusCode).toBe(200)
      expect((await inject(app, '/b')).statusCode).toBe(200)
      expect(onEvent).toHaveBeenCalledTimes(2)
      await app.close()
    })

    it('`webhooks` in the factory is the instance, as the first argument would be', async () => {
      const webhooks = createInklessWebhooks(options())
      const plugin = fastifyWebhooks({ path: '/webhook', webhooks })
      expect(plugin.webhooks).toBe(webhooks)
      const app = Fastify()
      await app.register(plugin)
      expect((await inject(app)).statusCode).toBe(200)
      await app.close()
    })

    it('refuses core options beside an instance instead of ignoring them', async () => {
      const webhooks = createInklessWebhooks(options())
      const app = Fastify()
      await expect(
        app.register(fastifyWebhooks, {
          path: '/webhook',
          webhooks,
          maxBodyBytes: 10,
          onDocumentSigned: () => {},
        }),
      ).rejects.toThrow(
        /^inkless-webhooks: maxBodyBytes, onDocumentSigned beside `webhooks` would be ignored/,
      )
      expect(() => fastifyWebhooks({ path: '/webhook', webhooks, maxBodyBytes: 10 })).toThrow(
        /^inkless-webhooks: maxBodyBytes beside `webhooks` would be ignored/,
      )
      // Fastify's own register options are fine beside it.
      const other = Fastify()
      await other.register(fastifyWebhooks, { path: '/webhook', webhooks, prefix: '/api' })
      expect(other.inklessWebhooks).toBe(webhooks)
      expect((await inject(other, '/api/webhook')).statusCode).toBe(200)
      await other.close()
    })

    it('needs a path', async () => {
      const app = Fastify()
      app.register(fastifyWebhooks, options() as never)
      await expect(app.ready()).rejects.toThrow(/needs a `path`/)
    })

    // In a process of its own: the warning is once per process, and Node prints it.
    it('warns once per process through Node (a DeprecationWarning naming the new form); the new form does not; --no-deprecation silences it', async () => {
      const fixture = fileURLToPath(new URL('./fixtures/fastify-deprecated.mjs', import.meta.url))
      const stderrOf = async (form: 'old' | 'option' | 'new', flags: string[] = []) => {
        const { stdout, stderr } = await execute(process.execPath, [...flags, fixture, form])
        expect(stdout).toBe('done\n')
        return stderr
      }
      const old = await stderrOf('old')
      expect(old.match(/DeprecationWarning/g)).toHaveLength(1)
      expect(old).toMatch(
        /\(node:\d+\) \[INKLESS_FASTIFY_REGISTER\] DeprecationWarning: @inkless-webhooks\/fastify: registering inklessWebhooks itself with options is deprecated; register the plugin it returns: app\.register\(inklessWebhooks\(\{ path, … \}\)\) or app\.register\(inklessWebhooks\(webhooks, \{ path \}\)\)/,
      )
      const option = await stderrOf('option')
      expect(option.match(/DeprecationWarning/g)).toHaveLength(1)
      expect(option).toMatch(
        /\[INKLESS_FASTIFY_WEBHOOKS_OPTION\] DeprecationWarning: @inkless-webhooks\/fastify: the `webhooks` option is deprecated; pass the instance first: inklessWebhooks\(webhooks, \{ path \}\)/,
      )
      expect(await stderrOf('new')).toBe('')
      expect(await stderrOf('old', ['--no-deprecation'])).toBe('')
    })
  })
})

describe('node', () => {
  it('without a path it answers every request', async () => {
    const onEvent = vi.fn()
    const base = await listen(nodeWebhooks(options({ onEvent })))
    expect((await postEvent(`${base}/any/path`)).status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('with a path and no next, other paths get 404', async () => {
    const base = await listen(nodeWebhooks(options({ path: '/webhook' })))
    expect((await postEvent(`${base}/other`)).status).toBe(404)
    expect((await postEvent(`${base}/webhook?source=inkless`)).status).toBe(200)
  })

  it('the bytes verified are the bytes sent: a charset or Content-Encoding header decodes nothing', async () => {
    const tokens: string[] = []
    const base = await listen(
      nodeWebhooks(options({ onEvent: (event) => void tokens.push(event.document_token) })),
    )
    const body = eventBody().replace(/"document_token":"/, '"document_token":"é')
    const extras: Record<string, string>[] = [
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-encoding': 'gzip' },
    ]
    for (const header of extras) {
      const answer = await send(base, { body, headers: { ...signed(body), ...header } })
      expect(answer.status).toBe(200)
    }
    expect(tokens).toHaveLength(1)
    expect(tokens[0]).toMatch(/^é/)
  })

  it('after something upstream set the request encoding (req.setEncoding), the body still verifies', async () => {
    const onEvent = vi.fn()
    const webhook = nodeWebhooks(options({ onEvent }))
    const base = await listen((req, res) => {
      req.setEncoding('utf8')
      return webhook(req, res)
    })
    expect((await postEvent(base)).status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('a declared length that lies: fewer bytes then a close is an unreadable body, more are not read as the body', async () => {
    const onEvent = vi.fn()
    const warn = vi.fn()
    const logger = { warn, error: () => {} }
    const base = await listen(nodeWebhooks(options({ onEvent, logger, bodyTimeoutMs: 60_000 })))
    const { port } = new URL(base)
    const exchange = async (declared: number, bytes: string) => {
      const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true })
      await once(socket, 'connect')
      const received: Buffer[] = []
      socket.on('data', (chunk: Buffer) => received.push(chunk))
      socket.on('error', () => {})
      const body = bytes.slice(0, declared)
      const head = Object.entries(signed(body)).map(([k, v]) => `${k}: ${v}\r\n`)
      socket.end(
        `POST /webhook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${declared}\r\n${head.join('')}\r\n${bytes}`,
      )
      await once(socket, 'close')
      return Buffer.concat(received).toString('latin1')
    }
    const body = eventBody()
    // Shorter than declared, then the client's FIN: Node's parser answers 400; the read ends
    // there as an unreadable body (counted), not a 408 a minute on.
    expect(await exchange(body.length + 10, body)).toMatch(/^HTTP\/1\.1 400 /)
    await vi.waitFor(() =>
      expect(warn).toHaveBeenCalledWith(
        expect.anything(),
        expect.stringMatching(/closed by the client before their body ended/),
      ),
    )
    expect(onEvent).not.toHaveBeenCalled()
    // Longer: the declared bytes are the body; what follows is no part of it.
    expect(await exchange(body.length, `${body}{"event":"extra"}`)).not.toMatch(/ 401 /)
    expect(onEvent).toHaveBeenCalledTimes(1)
    expect(onEvent.mock.calls[0]?.[0]).toMatchObject(JSON.parse(body))
  })

  it('one core instance can serve several adapters', async () => {
    const onEvent = vi.fn()
    const webhooks = createInklessWebhooks(options({ onEvent }))
    const nodeBase = await listen(nodeWebhooks(webhooks, { path: '/webhook' }))
    const app = express()
    app.post('/webhook', expressWebhooks(webhooks))
    const expressBase = await listen(app)
    const body = eventBody()
    expect((await postEvent(`${nodeBase}/webhook`, body)).status).toBe(200)
    // Shared instance, shared dedupe store: the same delivery on the other server is a duplicate.
    const again = await postEvent(`${expressBase}/webhook`, body)
    expect(again).toMatchObject({ status: 200, body: 'duplicate' })
    expect(onEvent).toHaveBeenCalledTimes(1)
  })
})
