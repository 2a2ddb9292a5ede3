import { describe, expect, it, vi } from 'vitest'
import { consumedBody } from '../src/adapter.js'
import { callbackName } from '../src/events.js'
import {
  type DedupeStore,
  InklessHandlerError,
  InklessWebhookError,
  signPayload,
} from '../src/index.js'
import { chunks, eventBody, platforms, post, SECRET, signedHeaders } from './helpers.js'

// One spec, two builds: node:crypto (index.ts) and Web Crypto (web.ts) must answer alike.
describe.each(platforms)('%s', (_platform, { createInklessWebhooks }) => {
  const quiet = () => ({ secret: SECRET, onError: vi.fn() })

  describe('behaviour table, row by row', () => {
    it('handshake: 200, echoes verification_secret as plain text, only onVerification runs', async () => {
      const onVerification = vi.fn()
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onVerification, onEvent })
      const body = JSON.stringify({
        verification_secret: 'vs_123',
        provider: 'inkless',
        webhook_id: 42,
        timestamp: '2026-03-11T23:25:31Z',
      })
      const res = await w.handle(post(body, {}))
      expect(res).toMatchObject({ status: 200, body: 'vs_123' })
      expect(res.headers['content-type']).toMatch(/^text\/plain/)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(onVerification).toHaveBeenCalledWith(
        expect.objectContaining({ verification_secret: 'vs_123', webhook_id: 42 }),
        expect.anything(),
      )
      expect(onEvent).not.toHaveBeenCalled()
    })

    it('handshake with a (wrong) signature header present is still answered', async () => {
      const w = createInklessWebhooks(quiet())
      const body = JSON.stringify({ verification_secret: 'abc', provider: 'inkless' })
      const res = await w.handle(post(body, { 'x-inkless-signature': 'bogus' }))
      expect(res).toMatchObject({ status: 200, body: 'abc' })
    })

    it('handshake refused by onVerification returning false: 403', async () => {
      const w = createInklessWebhooks({ ...quiet(), onVerification: async () => false })
      const res = await w.handle(post(JSON.stringify({ verification_secret: 'x' }), {}))
      expect(res.status).toBe(403)
      expect(res.body).not.toContain('x')
    })

    it('handshake whose onVerification throws: 500 and onError', async () => {
      const options = quiet()
      const w = createInklessWebhooks({
        ...options,
        onVerification: () => {
          throw new Error('db down')
        },
      })
      const res = await w.handle(post(JSON.stringify({ verification_secret: 'x' }), {}))
      expect(res.status).toBe(500)
      expect(options.onError.mock.calls[0]?.[0]).toMatchObject({ code: 'verification_failed' })
    })

    it('signed known event: 200, its callback, on(name) listeners and onEvent, in that order', async () => {
      const calls: string[] = []
      const w = createInklessWebhooks({
        ...quiet(),
        onDocumentSigned: (e) => {
          calls.push(`callback:${e.event}:${e.secure_link_id}`)
        },
        onEvent: (e) => {
          calls.push(`onEvent:${e.event}`)
        },
      })
      w.on('document_signed', (e, ctx) => {
        calls.push(`on:${e.document_token}:${/^[\w-]{43}$/.test(ctx.dedupeKey)}`)
      })
      w.onAny((e) => {
        calls.push(`onAny:${e.event}`)
      })
      const res = await w.handle(post(eventBody()))
      expect(res).toMatchObject({ status: 200, body: 'ok' })
      expect(calls).toEqual([
        'callback:document_signed:271',
        'on:a1b2c3d4:true',
        'onEvent:document_signed',
        'onAny:document_signed',
      ])
    })

    it('every event of INKLESS_EVENTS reaches its own callback only', async () => {
      const { INKLESS_EVENTS } = await import('../src/index.js')
      const seen: string[] = []
      const options: Record<string, unknown> = { ...quiet() }
      for (const name of INKLESS_EVENTS) {
        options[callbackName(name)] = (e: { event: string }) => {
          seen.push(`${callbackName(name)}:${e.event}`)
        }
      }
      const w = createInklessWebhooks(options)
      for (const name of INKLESS_EVENTS) {
        expect((await w.handle(post(eventBody(name)))).status).toBe(200)
      }
      expect(seen).toEqual(INKLESS_EVENTS.map((n) => `${callbackName(n)}:${n}`))
    })

    it('same event again: 200 and no handler call', async () => {
      const onDocumentSigned = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onDocumentSigned })
      expect((await w.handle(post(eventBody()))).status).toBe(200)
      const again = await w.handle(post(eventBody()))
      expect(again).toMatchObject({ status: 200, body: 'duplicate' })
      expect(onDocumentSigned).toHaveBeenCalledTimes(1)
    })

    it('the dedupe key includes event, document_token, secure_link_id and timestamp', async () => {
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onEvent })
      for (const extra of [
        {},
        { secure_link_id: 272 },
        { document_token: 'other' },
        { timestamp: '2026-03-11T23:25:32Z' },
      ]) {
        await w.handle(post(eventBody('document_signed', extra)))
      }
      await w.handle(post(eventBody('link_viewed')))
      expect(onEvent).toHaveBeenCalledTimes(5)
    })

    it('signed unknown event: 200, onUnknownEvent only', async () => {
      const onUnknownEvent = vi.fn()
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onUnknownEvent, onEvent })
      const res = await w.handle(post(eventBody('document_voided')))
      expect(res.status).toBe(200)
      expect(onUnknownEvent).toHaveBeenCalledWith(
        expect.objectContaining({ event: 'document_voided' }),
        expect.anything(),
      )
      expect(onEvent).not.toHaveBeenCalled()
    })

    it('unknown event without onUnknownEvent is still acknowledged', async () => {
      const w = createInklessWebhooks(quiet())
      expect((await w.handle(post(eventBody('brand_new')))).status).toBe(200)
    })

    it.each([
      ['no signature header', {}],
      ['a signature from another secret', signedHeaders(eventBody(), 'other-secret')],
      ['a non-base64 signature', { 'x-inkless-signature': 'not a signature' }],
      ['a repeated signature header', { 'x-inkless-signature': ['a', 'b'] }],
    ])('%s: 401 and no handler', async (_, headers) => {
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onEvent })
      const res = await w.handle({ ...post(eventBody()), headers })
      expect(res).toMatchObject({ status: 401, body: 'invalid signature' })
      expect(onEvent).not.toHaveBeenCalled()
    })

    it('X-Inkless-Alg other than SHA256: 401, no handler; the name is case-insensitive', async () => {
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onEvent, dedupe: false })
      const body = eventBody()
      const sig = signedHeaders(body)['x-inkless-signature']
      for (const alg of ['SHA1', 'sha512', '']) {
        const res = await w.handle(post(body, { 'x-inkless-signature': sig, 'x-inkless-alg': alg }))
        expect(res.status).toBe(401)
      }
      expect(onEvent).not.toHaveBeenCalled()
      for (const alg of ['sha256', 'Sha256', 'SHA256']) {
        const res = await w.handle(post(body, { 'x-inkless-signature': sig, 'X-Inkless-Alg': alg }))
        expect(res.status).toBe(200)
      }
      expect(onEvent).toHaveBeenCalledTimes(3)
    })

    it('header names are matched case-insensitively, and Fetch Headers work', async () => {
      const w = createInklessWebhooks({ ...quiet(), dedupe: false })
      const body = eventBody()
      const sig = signPayload(body, SECRET)
      expect((await w.handle(post(body, { 'X-INKLESS-SIGNATURE': sig }))).status).toBe(200)
      const headers = new Headers({ 'X-Inkless-Signature': sig })
      expect((await w.handle({ method: 'POST', headers, rawBody: body })).status).toBe(200)
    })

    it.each([
      ['not JSON', 'hello'],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
      ['a JSON array', '[]'],
      ['a missing event', JSON.stringify({ document_token: 'x', timestamp: 't' })],
      ['a numeric document_token', eventBody('document_signed', { document_token: 5 })],
      ['a missing timestamp', eventBody('document_signed', { timestamp: undefined })],
      ['a fractional secure_link_id', eventBody('document_signed', { secure_link_id: 1.5 })],
      ['a string secure_link_id', eventBody('document_signed', { secure_link_id: '271' })],
    ])('valid signature, %s: 400 and no handler', async (_, body) => {
      const onEvent = vi.fn()
      const onUnknownEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onEvent, onUnknownEvent })
      const res = await w.handle(post(body))
      expect(res.status).toBe(400)
      expect(res.body).toMatch(/^invalid payload/)
      expect(onEvent).not.toHaveBeenCalled()
      expect(onUnknownEvent).not.toHaveBeenCalled()
    })

    it('secure_link_id may be absent or null', async () => {
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onEvent })
      await w.handle(post(eventBody('document_complete', { secure_link_id: undefined })))
      await w.handle(post(eventBody('envelope_complete', { secure_link_id: null })))
      expect(onEvent).toHaveBeenCalledTimes(2)
    })

    it('not JSON and unsigned: 401, not 400 (no information before authentication)', async () => {
      const w = createInklessWebhooks(quiet())
      expect((await w.handle(post('hello', {}))).status).toBe(401)
    })

    describe('body over maxBodyBytes', () => {
      const limit = 200
      const padded = (size: number) => {
        const base = eventBody()
        return eventBody('document_signed', {
          pad: 'x'.repeat(size - base.length - ',"pad":""'.length),
        })
      }

      it('exactly at the limit is accepted, one byte over is 413', async () => {
        const onEvent = vi.fn()
        const w = createInklessWebhooks({ ...quiet(), onEvent, maxBodyBytes: limit })
        const atLimit = padded(limit)
        expect(Buffer.byteLength(atLimit)).toBe(limit)
        expect((await w.handle(post(atLimit))).status).toBe(200)
        const over = padded(limit + 1)
        expect(Buffer.byteLength(over)).toBe(limit + 1)
        const res = await w.handle(post(Buffer.from(over)))
        expect(res).toMatchObject({ status: 413, body: 'payload too large' })
        expect(res.headers.connection).toBe('close')
        expect(onEvent).toHaveBeenCalledTimes(1)
      })

      it('multi-byte strings are measured in UTF-8 bytes', async () => {
        const w = createInklessWebhooks({ ...quiet(), maxBodyBytes: limit })
        const body = eventBody('document_signed', { pad: 'é'.repeat(60) }) // 120 bytes of padding
        expect(body.length).toBeLessThanOrEqual(limit)
        expect(Buffer.byteLength(body)).toBeGreaterThan(limit)
        expect((await w.handle(post(body))).status).toBe(413)
      })

      it('a stream stops being read once past the limit', async () => {
        const w = createInklessWebhooks({ ...quiet(), maxBodyBytes: limit })
        let pulled = 0
        async function* endless() {
          while (true) {
            pulled++
            yield new Uint8Array(64)
          }
        }
        const res = await w.handle({ method: 'POST', headers: {}, rawBody: endless() })
        expect(res.status).toBe(413)
        expect(pulled).toBe(Math.floor(limit / 64) + 1)
      })

      it('a Content-Length over the limit is refused before reading anything', async () => {
        const w = createInklessWebhooks({ ...quiet(), maxBodyBytes: limit })
        let pulled = 0
        async function* body() {
          pulled++
          yield new Uint8Array(10)
        }
        const res = await w.handle({
          method: 'POST',
          headers: { 'content-length': String(50 * 1024 * 1024) },
          rawBody: body(),
        })
        expect(res.status).toBe(413)
        expect(pulled).toBe(0)
      })

      it('streams of several chunks, strings included, are joined exactly', async () => {
        const onEvent = vi.fn()
        const w = createInklessWebhooks({ ...quiet(), onEvent })
        const body = eventBody()
        const bytes = Buffer.from(body)
        const res = await w.handle({
          method: 'POST',
          headers: signedHeaders(body),
          rawBody: chunks(bytes.subarray(0, 10), body.slice(10, 40), bytes.subarray(40)),
        })
        expect(res.status).toBe(200)
        expect(onEvent).toHaveBeenCalledTimes(1)
      })
    })

    it.each(['GET', 'PUT', 'HEAD', 'OPTIONS', 'DELETE'])(
      '%s: 405 with Allow: POST',
      async (method) => {
        const onEvent = vi.fn()
        const w = createInklessWebhooks({ ...quiet(), onEvent })
        const res = await w.handle({ ...post(eventBody()), method })
        expect(res.status).toBe(405)
        expect(res.headers.allow).toBe('POST')
        expect(onEvent).not.toHaveBeenCalled()
      },
    )

    it('a throwing handler: 500, onError gets every failure together, and the retry runs again', async () => {
      const onError = vi.fn()
      let attempt = 0
      const onDocumentSigned = vi.fn(() => {
        attempt++
        if (attempt === 1) throw new Error('first attempt fails')
      })
      const w = createInklessWebhooks({
        secret: SECRET,
        onError,
        onDocumentSigned,
        onEvent: async () => {
          if (attempt === 1) throw new Error('so does onEvent')
        },
      })
      w.on('document_signed', function notifySales() {})
      const res = await w.handle(post(eventBody()))
      expect(res).toMatchObject({ status: 500, body: 'webhook handler failed' })
      expect(res.body).not.toMatch(/first attempt/)
      const [error, context] = onError.mock.calls[0] ?? []
      expect(error).toBeInstanceOf(InklessHandlerError)
      expect(error).toBeInstanceOf(AggregateError)
      expect(error.errors.map((e: Error) => e.message)).toEqual([
        'first attempt fails',
        'so does onEvent',
      ])
      expect(error.failures.map((f: { listener: string }) => f.listener)).toEqual([
        'onDocumentSigned',
        'onEvent',
      ])
      expect(context).toMatchObject({
        event: { event: 'document_signed' },
        listeners: ['onDocumentSigned', 'onEvent'],
      })
      const retry = await w.handle(post(eventBody()))
      expect(retry).toMatchObject({ status: 200, body: 'ok' })
      expect(onDocumentSigned).toHaveBeenCalledTimes(2)
      expect((await w.handle(post(eventBody()))).body).toBe('duplicate')
    })

    it('a throwing on() listener is named in the report', async () => {
      const onError = vi.fn()
      const w = createInklessWebhooks({ secret: SECRET, onError })
      w.on(['document_signed', 'document_complete'], function updateCrm() {
        throw new Error('crm down')
      })
      w.onAny(() => {
        throw new Error('anonymous listener')
      })
      await w.handle(post(eventBody()))
      expect(onError.mock.calls[0]?.[1].listeners).toEqual([
        'on(document_signed|document_complete) updateCrm',
        'onAny anonymous',
      ])
    })

    it('a throwing onError does not change the answer', async () => {
      const w = createInklessWebhooks({
        secret: SECRET,
        onError: () => {
          throw new Error('logger broken')
        },
        onEvent: () => {
          throw new Error('x')
        },
      })
      expect((await w.handle(post(eventBody()))).status).toBe(500)
    })

    it("without onError or logger, errors go to console.error: the headline with the handler's message, then its stack", async () => {
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
      const w = createInklessWebhooks({
        secret: SECRET,
        onEvent: () => {
          throw new Error('x')
        },
      })
      await w.handle(post(eventBody()))
      expect(spy).toHaveBeenCalledTimes(1)
      expect(String(spy.mock.calls[0]?.[0]).split('\n').slice(0, 2)).toEqual([
        '[inkless-webhooks] 1 listener(s) failed for "document_signed": onEvent (x)',
        'Error: x',
      ])
      spy.mockRestore()
    })

    describe('dedupe store unreachable', () => {
      const broken: DedupeStore = {
        claim: async () => {
          throw new Error('ECONNREFUSED')
        },
        complete: () => {},
        release: () => {},
      }

      it('503 with Retry-After, onError, no handler', async () => {
        const onError = vi.fn()
        const onEvent = vi.fn()
        const w = createInklessWebhooks({ secret: SECRET, onError, onEvent, dedupe: broken })
        const res = await w.handle(post(eventBody()))
        expect(res.status).toBe(503)
        expect(res.headers['retry-after']).toBeDefined()
        expect(onEvent).not.toHaveBeenCalled()
        expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'store_unavailable' })
      })

      it("onStoreError: 'process' runs the handlers without dedupe", async () => {
        const onEvent = vi.fn()
        const w = createInklessWebhooks({
          ...quiet(),
          onEvent,
          dedupe: broken,
          onStoreError: 'process',
        })
        expect((await w.handle(post(eventBody()))).status).toBe(200)
        expect(onEvent).toHaveBeenCalledTimes(1)
      })

      it('a store failing to record the outcome is reported, the answer stands', async () => {
        const onError = vi.fn()
        const w = createInklessWebhooks({
          secret: SECRET,
          onError,
          dedupe: {
            claim: () => 'claimed',
            complete: () => Promise.reject(new Error('lost connection')),
            release: () => {},
          },
        })
        expect((await w.handle(post(eventBody()))).status).toBe(200)
        expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'store_unavailable' })
      })
    })

    it('a concurrent duplicate while the first runs: 409 (Inkless retries), one handler call', async () => {
      let finish = () => {}
      const onEvent = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)))
      const w = createInklessWebhooks({ ...quiet(), onEvent })
      const first = w.handle(post(eventBody()))
      await vi.waitFor(() => expect(onEvent).toHaveBeenCalledTimes(1))
      const second = await w.handle(post(eventBody()))
      expect(second.status).toBe(409)
      expect(second.headers['retry-after']).toBe('1')
      finish()
      expect((await first).status).toBe(200)
      expect((await w.handle(post(eventBody()))).body).toBe('duplicate')
      expect(onEvent).toHaveBeenCalledTimes(1)
    })

    it('dedupe: false runs every delivery', async () => {
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), onEvent, dedupe: false })
      await w.handle(post(eventBody()))
      await w.handle(post(eventBody()))
      expect(onEvent).toHaveBeenCalledTimes(2)
    })

    describe('body already consumed upstream', () => {
      it('500 naming the fix, reported to onError once', async () => {
        const onError = vi.fn()
        const w = createInklessWebhooks({ secret: SECRET, onError })
        const fix = 'Mount the webhook before express.json().'
        for (let i = 0; i < 3; i++) {
          const res = await w.handle({ method: 'POST', headers: {}, rawBody: consumedBody(fix) })
          expect(res.status).toBe(500)
          expect(res.body).toContain(fix)
        }
        expect(onError).toHaveBeenCalledTimes(1)
        expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(InklessWebhookError)
        expect(onError.mock.calls[0]?.[0].code).toBe('body_consumed')
      })

      it('a parsed object passed as rawBody gets the same answer, never a 401', async () => {
        const w = createInklessWebhooks(quiet())
        const res = await w.handle({
          method: 'POST',
          headers: signedHeaders(eventBody()),
          rawBody: JSON.parse(eventBody()),
        })
        expect(res.status).toBe(500)
        expect(res.body).toMatch(/raw request bytes/)
      })
    })

    it('a stream that fails mid-body: 400, reported, no handler', async () => {
      const onError = vi.fn()
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ secret: SECRET, onError, onEvent })
      async function* aborted() {
        yield new Uint8Array(10)
        throw new Error('aborted')
      }
      const res = await w.handle({ method: 'POST', headers: {}, rawBody: aborted() })
      expect(res.status).toBe(400)
      expect(onEvent).not.toHaveBeenCalled()
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'body_unreadable' })
    })

    it('error answers never echo the secret or a stack trace', async () => {
      const w = createInklessWebhooks({
        ...quiet(),
        onEvent: () => {
          throw new Error(`secret is ${SECRET}`)
        },
      })
      const answers = await Promise.all([
        w.handle(post(eventBody())),
        w.handle(post('junk', {})),
        w.handle(post('junk')),
        w.handle({ ...post(eventBody()), method: 'GET' }),
      ])
      for (const res of answers) {
        expect(res.body).not.toContain(SECRET)
        expect(res.body).not.toMatch(/\bat .+:\d+/)
        expect(res.body.length).toBeLessThan(200)
      }
    })
  })

  describe("respond: 'immediately'", () => {
    it('answers 200 before the handlers finish; idle() waits for them', async () => {
      let finish = () => {}
      const done = vi.fn()
      const w = createInklessWebhooks({
        ...quiet(),
        respond: 'immediately',
        onEvent: async () => {
          await new Promise<void>((resolve) => (finish = resolve))
          done()
        },
      })
      const res = await w.handle(post(eventBody()))
      expect(res.status).toBe(200)
      expect(done).not.toHaveBeenCalled()
      finish()
      await w.idle()
      expect(done).toHaveBeenCalledTimes(1)
    })

    it('handler errors go to onError and the claim is released for the retry', async () => {
      const onError = vi.fn()
      const onEvent = vi.fn().mockRejectedValueOnce(new Error('boom'))
      const w = createInklessWebhooks({ secret: SECRET, onError, onEvent, respond: 'immediately' })
      expect((await w.handle(post(eventBody()))).status).toBe(200)
      await w.idle()
      expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(InklessHandlerError)
      expect((await w.handle(post(eventBody()))).body).toBe('ok')
      await w.idle()
      expect(onEvent).toHaveBeenCalledTimes(2)
    })

    it('hands the background work to waitUntil', async () => {
      const waitUntil = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), respond: 'immediately', onEvent: vi.fn() })
      await w.handle(post(eventBody()), { waitUntil })
      expect(waitUntil).toHaveBeenCalledWith(expect.any(Promise))
      await waitUntil.mock.calls[0]?.[0]
    })

    it('verification still happens first', async () => {
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ ...quiet(), respond: 'immediately', onEvent })
      expect((await w.handle(post(eventBody(), {}))).status).toBe(401)
      await w.idle()
      expect(onEvent).not.toHaveBeenCalled()
    })
  })

  describe('toleranceMs', () => {
    const at = Date.parse('2026-03-11T23:25:31Z')

    it('is off by default: an old retry is accepted', async () => {
      const w = createInklessWebhooks({ ...quiet(), now: () => at + 7 * 86_400_000 })
      expect((await w.handle(post(eventBody()))).status).toBe(200)
    })

    it('refuses events outside the window with 401, accepts those inside', async () => {
      const onEvent = vi.fn()
      let clock = at + 299_000
      const w = createInklessWebhooks({
        ...quiet(),
        onEvent,
        toleranceMs: 300_000,
        now: () => clock,
      })
      expect((await w.handle(post(eventBody()))).status).toBe(200)
      clock = at + 301_000
      const late = await w.handle(post(eventBody('link_viewed')))
      expect(late).toMatchObject({ status: 401, body: 'timestamp outside tolerance' })
      clock = at - 301_000
      expect((await w.handle(post(eventBody('otp_sent')))).status).toBe(401)
      expect(onEvent).toHaveBeenCalledTimes(1)
    })

    it('toleranceSeconds, its deprecated name, still works in seconds', async () => {
      let clock = at + 299_000
      const w = createInklessWebhooks({ ...quiet(), toleranceSeconds: 300, now: () => clock })
      expect((await w.handle(post(eventBody()))).status).toBe(200)
      clock = at + 301_000
      expect((await w.handle(post(eventBody('link_viewed')))).status).toBe(401)
    })

    it('both names, or a value that is not a positive number: a TypeError naming the option', () => {
      expect(() =>
        createInklessWebhooks({ ...quiet(), toleranceMs: 300_000, toleranceSeconds: 300 }),
      ).toThrow(
        /^inkless-webhooks: toleranceMs and toleranceSeconds are one option \(toleranceSeconds is its deprecated name\): give toleranceMs only\.$/,
      )
      expect(() => createInklessWebhooks({ ...quiet(), toleranceMs: -1 })).toThrow(
        /^inkless-webhooks: toleranceMs must be a positive number \(got -1\)/,
      )
      expect(() => createInklessWebhooks({ ...quiet(), toleranceSeconds: 0 })).toThrow(
        /^inkless-webhooks: toleranceSeconds must be a positive number \(got 0\)/,
      )
    })

    it('a timestamp that is not a date: 400', async () => {
      const w = createInklessWebhooks({ ...quiet(), toleranceMs: 300_000 })
      const res = await w.handle(post(eventBody('document_signed', { timestamp: 'yesterday' })))
      expect(res.status).toBe(400)
    })
  })

  describe('errors that teach', () => {
    it('a secret with surrounding whitespace is named as the likely cause', async () => {
      const onError = vi.fn()
      const w = createInklessWebhooks({ secret: `${SECRET}\n`, onError })
      const res = await w.handle(post(eventBody()))
      expect(res.status).toBe(401)
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'signature_mismatch' })
      expect(onError.mock.calls[0]?.[0].message).toMatch(/whitespace/)
    })

    it('hints are reported at most once a minute', async () => {
      const onError = vi.fn()
      let clock = 0
      const w = createInklessWebhooks({ secret: `${SECRET} `, onError, now: () => clock })
      const hints = () => onError.mock.calls.filter(([e]) => e.code === 'signature_mismatch')
      expect((await w.handle(post(eventBody()))).status).toBe(401)
      expect((await w.handle(post(eventBody()))).status).toBe(401)
      expect(hints()).toHaveLength(1)
      clock = 61_000
      await w.handle(post(eventBody()))
      expect(hints()).toHaveLength(2)
    })

    it('a wrong secret with a compact JSON body is a plain forgery, not a "body parser" (finding 3)', async () => {
      const onError = vi.fn()
      const w = createInklessWebhooks({ secret: SECRET, onError })
      const compact = eventBody()
      expect((await w.handle(post(compact, signedHeaders(compact, 'another-secret')))).status).toBe(
        401,
      )
      expect(onError.mock.calls.map(([e]) => e.code)).toEqual(['signature_rejected'])
    })

    it('bytes an upstream parser kept (named by the adapter) are named when they fail', async () => {
      const onError = vi.fn()
      const w = createInklessWebhooks({ secret: SECRET, onError })
      const res = await w.handle({
        ...post(eventBody(), signedHeaders('other bytes')),
        keptBy: 'express.text()',
      })
      expect(res.status).toBe(401)
      expect(onError.mock.calls[0]?.[0].message).toMatch(/bytes kept by express\.text\(\)/)
    })

    it('with the default reporter a plain forgery is one counted line; a hint prints one line, no stack', async () => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => {})
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      const forged = eventBody()
      await createInklessWebhooks({ secret: SECRET }).handle(
        post(forged, signedHeaders(forged, 'nope')),
      )
      expect(error).not.toHaveBeenCalled()
      expect(warn.mock.calls).toEqual([
        [
          "[inkless-webhooks] 1 request(s) with an invalid signature in the last minute; if Inkless's deliveries are among them, check the secret.",
        ],
      ])
      warn.mockClear()
      await createInklessWebhooks({ secret: `${SECRET}\n` }).handle(post(eventBody()))
      expect(error).not.toHaveBeenCalled()
      expect(warn).toHaveBeenCalledTimes(1)
      expect(warn.mock.calls[0]).toEqual([
        expect.stringMatching(/^\[inkless-webhooks\] Signature mismatch\. .*whitespace[^\n]*$/),
      ])
      error.mockRestore()
      warn.mockRestore()
    })

    it('a String(object) body is named as the cause', async () => {
      const onError = vi.fn()
      const w = createInklessWebhooks({ secret: SECRET, onError })
      await w.handle(post('[object Object]', signedHeaders(eventBody())))
      expect(onError.mock.calls[0]?.[0].message).toMatch(/\[object Object\]/)
    })

    it('plain forgeries are counted, not reported one by one (no onError spam)', async () => {
      const onError = vi.fn()
      const w = createInklessWebhooks({ secret: SECRET, onError })
      await w.handle(post('{"hello": "world"}', signedHeaders('other')))
      await w.handle(post('not json', signedHeaders('other')))
      expect(onError.mock.calls.map(([e]) => [e.code, e.message])).toEqual([
        [
          'signature_rejected',
          "1 request(s) with an invalid signature in the last minute; if Inkless's deliveries are among them, check the secret.",
        ],
      ])
    })
  })
})
