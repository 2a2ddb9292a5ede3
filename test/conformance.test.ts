import {
  type DedupeStore,
  InklessHandlerError,
  type InklessWebhooksOptions,
} from '@inkless-webhooks/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventBody, handshakeBody, SECRET, signed } from './support/deliveries.js'
import { type Running, targets } from './support/targets.js'

// One suite, every adapter, over real sockets on 127.0.0.1: the adapters cannot drift apart.
describe.each(targets)('$name adapter', (target) => {
  let app: Running | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
  })
  const start = async (options: InklessWebhooksOptions = {}) => {
    app = await target.start({ secret: SECRET, onError: () => {}, ...options })
    return app
  }
  const post = (
    body: string | Uint8Array,
    headers: Record<string, string | number> = signed(body),
  ) => (app as Running).send({ body, headers })

  describe('handshake', () => {
    it('200 with the exact verification_secret as text/plain, onVerification only', async () => {
      const onVerification = vi.fn()
      const onEvent = vi.fn()
      await start({ onVerification, onEvent })
      const res = await post(handshakeBody('vs_exact'), { 'content-type': 'application/json' })
      expect(res.status).toBe(200)
      expect(res.body).toBe('vs_exact')
      expect(res.headers['content-type']).toMatch(/^text\/plain/)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(onVerification).toHaveBeenCalledTimes(1)
      expect(onEvent).not.toHaveBeenCalled()
    })

    it('is answered with a signature header present too', async () => {
      await start()
      const body = handshakeBody('vs_signed')
      expect((await post(body, signed(body))).body).toBe('vs_signed')
      expect((await post(body, signed(body, 'not-our-secret'))).body).toBe('vs_signed')
    })
  })

  it('signed known event: 200; its callback, on(name) listeners and onEvent run', async () => {
    const onDocumentSigned = vi.fn()
    const onEvent = vi.fn()
    const { webhooks } = await start({ onDocumentSigned, onEvent })
    const listener = vi.fn()
    webhooks.on('document_signed', listener)
    const body = eventBody('document_signed')
    const res = await post(body)
    expect(res.status).toBe(200)
    for (const fn of [onDocumentSigned, listener, onEvent]) {
      expect(fn).toHaveBeenCalledTimes(1)
      expect(fn.mock.calls[0]?.[0]).toEqual(JSON.parse(body))
    }
  })

  it('the same event again: 200, no handler call', async () => {
    const onEvent = vi.fn()
    await start({ onEvent })
    const body = eventBody()
    expect((await post(body)).status).toBe(200)
    expect((await post(body)).status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('signed unknown event: 200, onUnknownEvent only', async () => {
    const onUnknownEvent = vi.fn()
    const onEvent = vi.fn()
    await start({ onUnknownEvent, onEvent })
    expect((await post(eventBody('document_voided'))).status).toBe(200)
    expect(onUnknownEvent).toHaveBeenCalledTimes(1)
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('no signature, or a signature that matches no secret: 401, no handler', async () => {
    const onEvent = vi.fn()
    await start({ onEvent })
    const body = eventBody()
    const noSig = await post(body, { 'content-type': 'application/json' })
    expect(noSig.status).toBe(401)
    const wrong = await post(body, signed(body, 'another-secret'))
    expect(wrong.status).toBe(401)
    const tampered = await post(body.replace('271', '272'), signed(body))
    expect(tampered.status).toBe(401)
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('rotated secrets: either the old or the new one is accepted', async () => {
    const onEvent = vi.fn()
    await start({ secret: ['old-secret', 'new-secret'], onEvent })
    const a = eventBody()
    const b = eventBody()
    expect((await post(a, signed(a, 'old-secret'))).status).toBe(200)
    expect((await post(b, signed(b, 'new-secret'))).status).toBe(200)
    expect((await post(eventBody(), signed('x', SECRET))).status).toBe(401)
    expect(onEvent).toHaveBeenCalledTimes(2)
  })

  it('X-Inkless-Alg: any case of SHA256 accepted, anything else 401', async () => {
    const onEvent = vi.fn()
    await start({ onEvent })
    for (const [alg, status] of [
      ['sha256', 200],
      ['Sha256', 200],
      ['SHA1', 401],
      ['HS256', 401],
    ] as const) {
      const body = eventBody()
      expect((await post(body, { ...signed(body), 'x-inkless-alg': alg })).status).toBe(status)
    }
    expect(onEvent).toHaveBeenCalledTimes(2)
  })

  it('header names in upper or lower case', async () => {
    const onEvent = vi.fn()
    await start({ onEvent })
    const a = eventBody()
    const b = eventBody()
    const upper = {
      'X-INKLESS-SIGNATURE': signed(a)['x-inkless-signature'],
      'X-INKLESS-ALG': 'SHA256',
    }
    expect((await post(a, upper)).status).toBe(200)
    const lower = { 'x-inkless-signature': signed(b)['x-inkless-signature'] }
    expect((await post(b, lower)).status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(2)
  })

  it('valid signature, body not JSON or fields of the wrong type: 400, no handler', async () => {
    const onEvent = vi.fn()
    await start({ onEvent })
    for (const body of ['not json', eventBody('document_signed', { document_token: 42 }), '[]']) {
      const res = await post(body)
      expect(res.status).toBe(400)
    }
    expect(onEvent).not.toHaveBeenCalled()
  })

  describe('body size', () => {
    const limit = 1024
    const sized = (bytes: number) => {
      const base = eventBody('document_signed', { pad: '' })
      return base.replace('"pad":""', `"pad":"${'x'.repeat(bytes - base.length)}"`)
    }

    it('exactly maxBodyBytes is accepted; one byte over is 413 with or without Content-Length', async () => {
      const onEvent = vi.fn()
      await start({ onEvent, maxBodyBytes: limit })
      const atLimit = sized(limit)
      expect(Buffer.byteLength(atLimit)).toBe(limit)
      expect((await post(atLimit)).status).toBe(200)
      const over = sized(limit + 1)
      expect((await post(over)).status).toBe(413)
      const chunked = await (app as Running).send({
        headers: signed(over),
        chunks: [over.slice(0, 600), over.slice(600)],
      })
      expect(chunked.status).toBe(413)
      expect(onEvent).toHaveBeenCalledTimes(1)
    })

    it.each([
      ['declared in Content-Length', true],
      ['chunked, no Content-Length', false],
    ])('a 50 MiB body %s is refused without being read', async (_, declareLength) => {
      const onEvent = vi.fn()
      const running = await start({ onEvent, maxBodyBytes: limit })
      const { result, bytesRead } = await running.upload(50 * 1024 * 1024, signed('x'), {
        declareLength,
      })
      // The server answers 413 and closes; a client still writing may see the reset first.
      expect([413, 'reset']).toContain(result)
      if (declareLength) expect(result).toBe(413)
      // Socket buffers may hold a little more than the limit, and the node-based adapters
      // read on for a bounded lingering close (docs/requests.md: "Early answers are readable"), at
      // most 16 MiB: never the 50 MiB body.
      expect(bytesRead).toBeLessThan(limit + 17 * 1024 * 1024)
      expect(onEvent).not.toHaveBeenCalled()
    })
  })

  it('chunked transfer with pauses between chunks', async () => {
    const onEvent = vi.fn()
    await start({ onEvent })
    const body = eventBody()
    const res = await (app as Running).send({
      headers: signed(body),
      chunks: [body.slice(0, 5), body.slice(5, 50), Buffer.from(body.slice(50))],
      chunkDelayMs: 20,
    })
    expect(res.status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
    '%s on the webhook path: 405, Allow: POST',
    async (method) => {
      const onEvent = vi.fn()
      await start({ onEvent })
      const body = method === 'GET' ? undefined : eventBody()
      const res = await (app as Running).send({
        method,
        body,
        headers: body ? signed(body) : {},
      })
      expect(res.status).toBe(405)
      expect(res.headers.allow).toBe('POST')
      expect(onEvent).not.toHaveBeenCalled()
    },
  )

  it('a throwing handler: 500 and onError; the retry runs the handler again', async () => {
    const onError = vi.fn()
    const onDocumentComplete = vi
      .fn()
      .mockRejectedValueOnce(new Error(`database timeout; secret ${SECRET}`))
      .mockResolvedValue(undefined)
    await start({ onError, onDocumentComplete })
    const body = eventBody('document_complete')
    const first = await post(body)
    expect(first.status).toBe(500)
    expect(first.body).not.toContain(SECRET)
    expect(first.body).not.toMatch(/database|at .*:\d+/)
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(InklessHandlerError)
    expect((await post(body)).status).toBe(200)
    expect((await post(body)).status).toBe(200)
    expect(onDocumentComplete).toHaveBeenCalledTimes(2)
  })

  it('dedupe store unreachable: 503 and onError, no handler', async () => {
    const onError = vi.fn()
    const onEvent = vi.fn()
    const down: DedupeStore = {
      claim: () => Promise.reject(new Error('connect ECONNREFUSED')),
      complete: () => {},
      release: () => {},
    }
    await start({ onError, onEvent, dedupe: down })
    const res = await post(eventBody())
    expect(res.status).toBe(503)
    expect(onEvent).not.toHaveBeenCalled()
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'store_unavailable' })
  })

  it('concurrent duplicates: the handler runs once', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const onEvent = vi.fn(() => gate)
    await start({ onEvent })
    const body = eventBody()
    let settled = 0
    const answers = Array.from({ length: 8 }, () =>
      post(body).finally(() => {
        settled++
      }),
    )
    // The seven duplicates are answered while the first delivery's handler is still held.
    await vi.waitFor(() => expect(settled).toBe(7), { timeout: 10_000 })
    release()
    const statuses = (await Promise.all(answers)).map((a) => a.status)
    expect(onEvent).toHaveBeenCalledTimes(1)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(7)
  })

  it("respond: 'immediately' answers before the handlers finish", async () => {
    let release = () => {}
    const finished = vi.fn()
    const { webhooks } = await start({
      respond: 'immediately',
      onEvent: async () => {
        await new Promise<void>((resolve) => (release = resolve))
        finished()
      },
    })
    expect((await post(eventBody())).status).toBe(200)
    expect(finished).not.toHaveBeenCalled()
    release()
    await webhooks.idle()
    expect(finished).toHaveBeenCalledTimes(1)
  })

  it("the app's other routes keep their JSON parser", async () => {
    await start()
    const res = await (app as Running).send(
      { body: JSON.stringify({ hello: 'world' }), headers: { 'content-type': 'application/json' } },
      '/other',
    )
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ received: { hello: 'world' } })
  })
})
