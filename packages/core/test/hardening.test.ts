import { PassThrough } from 'node:stream'
import { describe, expect, it, vi } from 'vitest'
import { createMemoryDedupeStore, signPayload } from '../src/index.js'
import { eventBody, platforms, post, SECRET } from './helpers.js'

// Findings of the hardening issue, each as a rule that held at the edges it was found at.

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const deepObject = (depth: number) =>
  `{"event":"document_signed","document_token":"t","timestamp":"x","n":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
const FAKE_SIGNATURE = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='

describe.each(platforms)('%s', (_platform, { createInklessWebhooks }) => {
  it('unsigned deep JSON is a 401, never a 500, and is only counted', async () => {
    const onError = vi.fn()
    const onEvent = vi.fn()
    const w = createInklessWebhooks({ secret: SECRET, onError, onEvent })
    for (const body of [deep(6000), deepObject(6000), deep(45_000)]) {
      for (const signature of [FAKE_SIGNATURE, 'x', signPayload('other', SECRET)]) {
        const res = await w.handle(post(body, { 'x-inkless-signature': signature }))
        expect(res.status).toBe(401)
      }
    }
    expect(onError.mock.calls.map(([error]) => error.code)).toEqual(['signature_rejected'])
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('signed deep JSON: 6,000 levels of objects parse (200), 45,000 levels is a 400, never a crash', async () => {
    const w = createInklessWebhooks({ secret: SECRET, onError: vi.fn() })
    const body = deepObject(6000)
    expect((await w.handle(post(body))).status).toBe(200)
    expect((await w.handle(post(deep(45_000)))).status).toBe(400)
  })

  it('fields with newlines and NUL cannot make two events share a dedupe key', async () => {
    const seen: string[] = []
    const w = createInklessWebhooks({
      secret: SECRET,
      onError: vi.fn(),
      onEvent: (e) => {
        seen.push(e.document_token)
      },
    })
    // Joined with "\n", both were "document_signed\na\n\nx\n\ny".
    const a = JSON.stringify({
      event: 'document_signed',
      document_token: 'a\n\nx',
      timestamp: 'y',
    })
    const b = JSON.stringify({
      event: 'document_signed',
      document_token: 'a',
      timestamp: 'x\n\ny',
    })
    const c = JSON.stringify({
      event: 'document_signed',
      document_token: 'a\u0000',
      timestamp: '1',
    })
    const d = JSON.stringify({
      event: 'document_signed',
      document_token: 'a',
      timestamp: '\u00001',
    })
    for (const body of [a, b, c, d])
      expect(await w.handle(post(body))).toMatchObject({ body: 'ok' })
    expect(seen).toHaveLength(4)
  })

  it('dedupe keys are 43 base64url characters whatever the fields hold', async () => {
    const keys: string[] = []
    const w = createInklessWebhooks({
      secret: SECRET,
      onEvent: (_e, { dedupeKey }) => {
        keys.push(dedupeKey)
      },
    })
    await w.handle(post(eventBody('document_signed', { document_token: 'x'.repeat(50_000) })))
    await w.handle(post(eventBody('link_viewed', { secure_link_id: null })))
    expect(keys.map((k) => /^[\w-]{43}$/.test(k))).toEqual([true, true])
  })

  it('a signed event that also carries verification_secret is an event: its listeners run', async () => {
    const onEvent = vi.fn()
    const onVerification = vi.fn()
    const w = createInklessWebhooks({ secret: SECRET, onEvent, onVerification })
    const body = eventBody('document_signed', { verification_secret: 'vs' })
    expect(await w.handle(post(body))).toMatchObject({ status: 200, body: 'ok' })
    expect(onEvent).toHaveBeenCalledTimes(1)
    expect(onVerification).not.toHaveBeenCalled()
    // The same body unsigned is refused, not echoed.
    expect((await w.handle(post(body, {}))).status).toBe(401)
  })

  it('a handshake-shaped body over 1 KiB is not a handshake: it must be signed', async () => {
    const onVerification = vi.fn()
    const w = createInklessWebhooks({ secret: SECRET, onVerification, onError: vi.fn() })
    const big = JSON.stringify({ verification_secret: 'vs', pad: 'x'.repeat(1100) })
    expect((await w.handle(post(big, {}))).status).toBe(401)
    expect((await w.handle(post(big))).status).toBe(400)
    // Counted in bytes, not UTF-16 units: 600 'é' are 600 units but 1,200 bytes.
    const wide = JSON.stringify({ verification_secret: 'vs', pad: 'é'.repeat(600) })
    expect(wide.length).toBeLessThan(1024)
    expect((await w.handle(post(wide, {}))).status).toBe(401)
    expect(onVerification).not.toHaveBeenCalled()
    // A handshake just under the limit in bytes still is one.
    const small = JSON.stringify({ verification_secret: 'vs', pad: 'é'.repeat(450) })
    expect((await w.handle(post(small, {}))).status).toBe(200)
  })

  it('onVerification is told whether the handshake was signed', async () => {
    const onVerification = vi.fn()
    const w = createInklessWebhooks({ secret: SECRET, onVerification })
    const body = JSON.stringify({ verification_secret: 'vs', provider: 'inkless' })
    await w.handle(post(body, {}))
    await w.handle(post(body, { 'x-inkless-signature': FAKE_SIGNATURE }))
    await w.handle(post(body))
    expect(onVerification.mock.calls.map(([, context]) => context.signed)).toEqual([
      false,
      false,
      true,
    ])
  })

  it('aborted uploads are counted and reported at most once a minute', async () => {
    const onError = vi.fn()
    let clock = 0
    const w = createInklessWebhooks({ secret: SECRET, onError, now: () => clock })
    const abort = async () => {
      const stream = new PassThrough()
      const answered = w.handle(post(stream as unknown as Uint8Array))
      stream.write('{"event":')
      stream.destroy()
      return answered
    }
    for (let i = 0; i < 200; i++) expect((await abort()).status).toBe(400)
    expect(onError).toHaveBeenCalledTimes(1)
    clock = 61_000
    await abort()
    expect(onError).toHaveBeenCalledTimes(2)
    expect(onError.mock.calls[1]?.[0]).toMatchObject({ code: 'body_unreadable' })
    expect(onError.mock.calls[1]?.[0].message).toMatch(/^200 request\(s\) closed by the client/)
  })

  it('a body that does not arrive within bodyTimeoutMs gets 408; no handler runs', async () => {
    const onEvent = vi.fn()
    const onError = vi.fn()
    const w = createInklessWebhooks({ secret: SECRET, onEvent, onError, bodyTimeoutMs: 50 })
    const stream = new PassThrough()
    stream.write(eventBody().slice(0, 10))
    const res = await w.handle(post(stream as unknown as Uint8Array))
    expect(res).toMatchObject({ status: 408, headers: { connection: 'close' } })
    // A Web stream that stalls, too.
    const web = new ReadableStream<Uint8Array>({ start: () => {} })
    expect((await w.handle(post(web as unknown as Uint8Array))).status).toBe(408)
    expect(onEvent).not.toHaveBeenCalled()
    // Stalled uploads are counted: one report for the minute, not one each.
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'body_timeout' })
    stream.destroy()
  })

  it("respond: 'immediately' is at most once: a throwing handler is reported, the 200 stands", async () => {
    const onError = vi.fn()
    let calls = 0
    const w = createInklessWebhooks({
      secret: SECRET,
      onError,
      respond: 'immediately',
      onEvent: () => {
        calls++
        throw new Error('crm down')
      },
    })
    expect((await w.handle(post(eventBody()))).status).toBe(200)
    await w.idle()
    expect(calls).toBe(1)
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'handler_failed' })
  })
})

describe('the in-memory store', () => {
  it('is bounded by key bytes as well as entries', () => {
    const store = createMemoryDedupeStore({ maxEntries: 1_000_000, maxBytes: 1024 * 1024 })
    const key = (i: number) => `${i}:${'k'.repeat(8 * 1024)}`
    for (let i = 0; i < 1000; i++) {
      store.claim(key(i))
      store.complete(key(i))
    }
    // 1,000 keys of 16 KiB each cannot all fit in 1 MiB: the oldest are gone, the newest kept.
    expect(store.claim(key(0))).toBe('claimed')
    expect(store.claim(key(999))).toBe('done')
  })
})
