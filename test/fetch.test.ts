import { once } from 'node:events'
import type { Server } from 'node:http'
import { connect } from 'node:net'
import { serve } from '@hono/node-server'
import { inklessWebhooks } from '@inkless-webhooks/fetch'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventBody, handshakeBody, SECRET, signed } from './support/deliveries.js'
import { send } from './support/http.js'

const request = (body: BodyInit, headers: Record<string, string>, extra: RequestInit = {}) =>
  new Request('http://127.0.0.1/webhook', { method: 'POST', body, headers, ...extra })

describe('fetch adapter', () => {
  it('is a Next.js route handler: export const POST = inklessWebhooks(...)', async () => {
    const onEnvelopeComplete = vi.fn()
    const POST = inklessWebhooks({ secret: SECRET, onEnvelopeComplete })
    const body = eventBody('envelope_complete')
    const context = { params: Promise.resolve({}) }
    const res = await POST(request(body, signed(body)), context)
    expect(res.status).toBe(200)
    expect(onEnvelopeComplete).toHaveBeenCalledTimes(1)
  })

  it("respond: 'immediately' hands background handlers to the platform's waitUntil", async () => {
    let release = () => {}
    const finished = vi.fn()
    const handler = inklessWebhooks({
      secret: SECRET,
      respond: 'immediately',
      onEvent: async () => {
        await new Promise<void>((resolve) => (release = resolve))
        finished()
      },
    })
    const kept: Promise<unknown>[] = []
    const executionCtx = {
      waitUntil(work: Promise<unknown>) {
        kept.push(work)
      },
      passThroughOnException() {},
    }
    const body = eventBody()
    expect((await handler(request(body, signed(body)), executionCtx)).status).toBe(200)
    expect(kept).toHaveLength(1)
    expect(finished).not.toHaveBeenCalled()
    release()
    await kept[0]
    expect(finished).toHaveBeenCalledTimes(1)
  })

  it('takes waitUntil from its options when the context has none', async () => {
    const waitUntil = vi.fn()
    const handler = inklessWebhooks({ secret: SECRET, respond: 'immediately', waitUntil })
    const body = eventBody()
    await handler(request(body, signed(body)))
    expect(waitUntil).toHaveBeenCalledWith(expect.any(Promise))
  })

  it('gives every answer headers of its own, and tenant() the request URL', async () => {
    const tenant = vi.fn(
      (req: { url?: string }) => new URL(req.url ?? '').searchParams.get('t') ?? undefined,
    )
    const handler = inklessWebhooks({ secret: () => SECRET, tenant })
    const post = (body: string) =>
      handler(
        new Request('http://127.0.0.1/webhook?t=acme', {
          method: 'POST',
          body,
          headers: signed(body),
        }),
      )
    const first = await post(eventBody())
    // What a middleware after the handler might do to its answer.
    first.headers.set('x-request-id', 'one')
    first.headers.delete('cache-control')
    const second = await post(eventBody())
    expect(second.status).toBe(200)
    expect(second.headers.get('x-request-id')).toBeNull()
    expect(second.headers.get('cache-control')).toBe('no-store')
    expect(tenant).toHaveBeenCalledTimes(2)
    expect(tenant.mock.results.map((r) => r.value)).toEqual(['acme', 'acme'])
  })

  it('refuses a body over maxBodyBytes on the bytes read, whatever Content-Length says', async () => {
    const onEvent = vi.fn()
    const handler = inklessWebhooks({ secret: SECRET, maxBodyBytes: 1024, onEvent })
    const body = new Uint8Array(64 * 1024).fill(0x20)
    const res = await handler(
      request(body, { ...signed(body), 'content-length': '100' }, {
        duplex: 'half',
      } as RequestInit),
    )
    expect(res.status).toBe(413)
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('streams a body without Content-Length, and stops reading at maxBodyBytes', async () => {
    const onEvent = vi.fn()
    const handler = inklessWebhooks({ secret: SECRET, maxBodyBytes: 1024, onEvent })
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 4096
        controller.enqueue(new Uint8Array(4096))
        if (pulled >= 50 * 1024 * 1024) controller.close()
      },
    })
    const res = await handler(request(body, signed('x'), { duplex: 'half' } as RequestInit))
    expect(res.status).toBe(413)
    expect(pulled).toBeLessThanOrEqual(1024 + 2 * 4096)
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('after the body was read (c.req.json() first): 500 naming the fix', async () => {
    const onError = vi.fn()
    const handler = inklessWebhooks({ secret: SECRET, onError })
    const app = new Hono()
    app.post('/webhook', async (c) => {
      await c.req.raw.clone().text() // a clone is fine…
      await c.req.raw.text() // …reading the original is not
      return handler(c.req.raw)
    })
    const body = eventBody()
    const res = await app.request('/webhook', { method: 'POST', body, headers: signed(body) })
    expect(res.status).toBe(500)
    expect(await res.text()).toMatch(/mount the handler itself/)
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'body_consumed' })
  })
})

describe('in Hono, mounted as it is: app.post(path, handler)', () => {
  let server: Server | undefined
  afterEach(async () => {
    server?.close()
    server = undefined
  })

  /** The Hono app as the README shows it, served by @hono/node-server on 127.0.0.1. */
  async function honoOnNode(options: Parameters<typeof inklessWebhooks>[0]) {
    const app = new Hono()
    app.post('/webhook', inklessWebhooks(options))
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    if (!server.listening) await once(server, 'listening')
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/webhook`
  }

  it('on @hono/node-server (no ExecutionContext): handshake, signed event, forgery', async () => {
    const onDocumentSigned = vi.fn()
    const url = await honoOnNode({ secret: SECRET, onDocumentSigned, onError: () => {} })
    const handshake = await send(url, { body: handshakeBody('vs_hono') })
    expect([handshake.status, handshake.body]).toEqual([200, 'vs_hono'])
    const body = eventBody('document_signed')
    expect((await send(url, { body, headers: signed(body) })).status).toBe(200)
    expect(onDocumentSigned).toHaveBeenCalledTimes(1)
    const forged = await send(url, { body, headers: signed(body, 'not-the-secret') })
    expect(forged.status).toBe(401)
    expect(onDocumentSigned).toHaveBeenCalledTimes(1)
  })

  it('in app.request() tests', async () => {
    const onEnvelopeComplete = vi.fn()
    const app = new Hono()
    app.post('/webhook', inklessWebhooks({ secret: SECRET, onEnvelopeComplete }))
    const body = eventBody('envelope_complete')
    const res = await app.request('/webhook', { method: 'POST', body, headers: signed(body) })
    expect(res.status).toBe(200)
    expect(onEnvelopeComplete).toHaveBeenCalledTimes(1)
  })

  it("on Workers (app.fetch(request, env, ctx)): respond: 'immediately' work goes to ctx.waitUntil", async () => {
    let release = () => {}
    const app = new Hono()
    app.post(
      '/webhook',
      inklessWebhooks({
        secret: SECRET,
        respond: 'immediately',
        onEvent: () => new Promise<void>((resolve) => (release = resolve)),
      }),
    )
    const kept: Promise<unknown>[] = []
    const ctx = {
      waitUntil: (work: Promise<unknown>) => kept.push(work),
      passThroughOnException() {},
      props: {},
    }
    const body = eventBody()
    const res = await app.fetch(request(body, signed(body)), {}, ctx)
    expect(res.status).toBe(200)
    expect(kept).toHaveLength(1)
    release()
    await kept[0]
  })

  it('without an ExecutionContext, the waitUntil option gets the work', async () => {
    const waitUntil = vi.fn()
    const app = new Hono()
    app.post(
      '/webhook',
      inklessWebhooks({ secret: SECRET, respond: 'immediately', waitUntil, onEvent: () => {} }),
    )
    const body = eventBody()
    const res = await app.request('/webhook', { method: 'POST', body, headers: signed(body) })
    expect(res.status).toBe(200)
    expect(waitUntil).toHaveBeenCalledWith(expect.any(Promise))
  })

  it('a declared body that stalls is answered 408 after bodyTimeoutMs', async () => {
    const onEvent = vi.fn()
    const url = new URL(await honoOnNode({ secret: SECRET, bodyTimeoutMs: 200, onEvent }))
    const socket = connect(Number(url.port), '127.0.0.1')
    let answer = ''
    socket.setEncoding('latin1').on('data', (d: string) => (answer += d))
    socket.write(
      `POST /webhook HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"event":`,
    )
    await once(socket, 'close')
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(onEvent).not.toHaveBeenCalled()
  })
})
