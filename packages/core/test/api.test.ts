import { createHmac } from 'node:crypto'
import { PassThrough, Readable } from 'node:stream'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  pathMatches,
  positiveOption,
  splitAdapterOptions,
  wholeBody,
  withDeadline,
} from '../src/adapter.js'
import { callbackName } from '../src/events.js'
import {
  createInklessWebhooks,
  createMemoryDedupeStore,
  INKLESS_EVENT_INFO,
  INKLESS_EVENTS,
  isInklessWebhooks,
  parseEvent,
  signPayload,
  verifySignature,
} from '../src/index.js'
import { eventBody, post, SECRET } from './helpers.js'

describe('signPayload / verifySignature', () => {
  it('matches the guide: base64(HMAC-SHA256(secret, raw body))', () => {
    const body = eventBody()
    const expected = createHmac('sha256', SECRET).update(body).digest('base64')
    expect(signPayload(body, SECRET)).toBe(expected)
    expect(signPayload(Buffer.from(body), SECRET)).toBe(expected)
    expect(verifySignature(body, expected, SECRET)).toBe(true)
    expect(verifySignature(new Uint8Array(Buffer.from(body)), expected, SECRET)).toBe(true)
  })

  it('any one of several secrets may match (rotation)', () => {
    const body = eventBody()
    const sig = signPayload(body, 'new-secret')
    expect(verifySignature(body, sig, ['old-secret', 'new-secret'])).toBe(true)
    expect(verifySignature(body, sig, ['old-secret'])).toBe(false)
    expect(verifySignature(body, sig, [])).toBe(false)
  })

  it('rejects non-canonical and URL-safe spellings of a valid signature', () => {
    // Find a body whose signature contains '+' or '/', and whose last data char can be bumped.
    let body = ''
    let sig = ''
    for (let i = 0; !/[+/]/.test(sig); i++) {
      body = eventBody('document_signed', { n: i })
      sig = signPayload(body, SECRET)
    }
    expect(verifySignature(body, sig.replace(/\+/g, '-').replace(/\//g, '_'), SECRET)).toBe(false)
    const last = sig.charCodeAt(42)
    const bumped = `${sig.slice(0, 42)}${String.fromCharCode(last + 1)}=`
    expect(verifySignature(body, bumped, SECRET)).toBe(false)
    expect(verifySignature(body, `${sig}=`, SECRET)).toBe(false)
    expect(verifySignature(body, sig.slice(0, 43), SECRET)).toBe(false)
    expect(verifySignature(body, ` ${sig.slice(1)}`, SECRET)).toBe(false)
    // A UTF-16 unit whose low byte is the right character.
    const wide = `${sig.slice(0, 5)}${String.fromCharCode(0x100 + sig.charCodeAt(5))}${sig.slice(6)}`
    expect(verifySignature(body, wide, SECRET)).toBe(false)
  })

  it('never throws on nonsense', () => {
    const nonsense: unknown[] = [undefined, null, 42, {}, [], 'x', Symbol('s')]
    for (const a of nonsense) {
      for (const b of nonsense) {
        expect(verifySignature(a as string, b, SECRET)).toBe(false)
        expect(verifySignature(eventBody(), signPayload(eventBody(), SECRET), b as string)).toBe(
          false,
        )
      }
    }
    const sig = signPayload('x', SECRET)
    expect(verifySignature('x', sig, [42 as unknown as string, '', SECRET])).toBe(true)
  })

  it('keeps working with many distinct secrets (bounded key cache)', () => {
    for (let i = 0; i < 200; i++) {
      const secret = `secret-${i}`
      expect(verifySignature('body', signPayload('body', secret), secret)).toBe(true)
    }
  })

  describe('properties', () => {
    const secret = fc.string({ minLength: 1, maxLength: 64 })
    const body = fc.uint8Array({ maxLength: 2048 })

    it('equals createHmac for any body and secret (long secrets, multi-byte text, large bodies)', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 2048 }),
            fc.string({ unit: 'binary', maxLength: 512 }),
            fc
              .integer({ min: 64 * 1024 - 2, max: 64 * 1024 + 2 })
              .map((n) => new Uint8Array(n).fill(7)),
          ),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
          (b, s) => signPayload(b, s) === createHmac('sha256', s).update(b).digest('base64'),
        ),
        { numRuns: 400 },
      )
    })

    it('sign then verify holds', () => {
      fc.assert(
        fc.property(body, secret, (b, s) => verifySignature(b, signPayload(b, s), s)),
        { numRuns: 500 },
      )
    })

    it('any byte flipped in the body fails', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 1, maxLength: 2048 }),
          secret,
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          (b, s, at, mask) => {
            const sig = signPayload(b, s)
            const flipped = Uint8Array.from(b)
            const i = at % flipped.length
            flipped[i] = (flipped[i] as number) ^ mask
            return !verifySignature(flipped, sig, s)
          },
        ),
        { numRuns: 500 },
      )
    })

    it('any character of the signature changed fails', () => {
      fc.assert(
        fc.property(body, secret, fc.nat(), fc.integer({ min: 1, max: 0xffff }), (b, s, at, d) => {
          const sig = signPayload(b, s)
          const i = at % sig.length
          const c = String.fromCharCode((sig.charCodeAt(i) + d) % 0x10000)
          return !verifySignature(b, sig.slice(0, i) + c + sig.slice(i + 1), s)
        }),
        { numRuns: 1000 },
      )
    })

    it('arbitrary headers and bodies never throw and never reach a handler', async () => {
      const onEvent = vi.fn()
      const w = createInklessWebhooks({ secret: SECRET, onEvent, onError: () => {} })
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('POST', 'GET', 'post', 'PUT'),
          fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 60 })),
          fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), fc.json()),
          async (method, headers, rawBody) => {
            const res = await w.handle({ method, headers, rawBody })
            return [200, 400, 401, 405, 413].includes(res.status) && typeof res.body === 'string'
          },
        ),
        { numRuns: 500 },
      )
      // A 200 here can only be a handshake-shaped JSON body; no event was verified.
      expect(onEvent).not.toHaveBeenCalled()
    })
  })
})

describe('parseEvent', () => {
  it('returns a discriminated result and never throws', () => {
    expect(parseEvent(eventBody())).toMatchObject({ ok: true, kind: 'event' })
    expect(parseEvent(Buffer.from(eventBody('x_y')))).toMatchObject({
      ok: true,
      kind: 'unknown-event',
    })
    expect(parseEvent('{"verification_secret":"v"}')).toMatchObject({
      ok: true,
      kind: 'verification',
    })
    expect(parseEvent('{')).toEqual({ ok: false, reason: 'body is not valid UTF-8 JSON' })
    expect(parseEvent('null')).toEqual({ ok: false, reason: 'body is not a JSON object' })
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array()), (b) => {
        const r = parseEvent(b)
        return r.ok || typeof r.reason === 'string'
      }),
    )
  })
})

describe('events', () => {
  it('lists the names of INKLESS_EVENT_INFO, each with its own camelCase callback', () => {
    expect(INKLESS_EVENTS).toEqual(Object.keys(INKLESS_EVENT_INFO))
    expect(INKLESS_EVENTS.length).toBeGreaterThan(0)
    expect(callbackName('document_signing_link_sent')).toBe('onDocumentSigningLinkSent')
    expect(callbackName('otp_verified')).toBe('onOtpVerified')
    expect(new Set(INKLESS_EVENTS.map(callbackName)).size).toBe(INKLESS_EVENTS.length)
    expect(Object.isFrozen(INKLESS_EVENTS)).toBe(true)
  })
})

describe('options', () => {
  const env = process.env.INKLESS_WEBHOOK_SECRET
  afterEach(() => {
    if (env === undefined) delete process.env.INKLESS_WEBHOOK_SECRET
    else process.env.INKLESS_WEBHOOK_SECRET = env
  })

  it('a blank or malformed secret passed explicitly throws at creation, saying how to set it', () => {
    expect(() => createInklessWebhooks({ secret: '  ' })).toThrow(/INKLESS_WEBHOOK_SECRET/)
    expect(() => createInklessWebhooks({ secret: [] })).toThrow(/non-empty array/)
    expect(() => createInklessWebhooks({ secret: ['ok', ''] })).toThrow(/non-empty string/)
    expect(() => createInklessWebhooks({ secret: 42 as unknown as string })).toThrow(TypeError)
  })

  it('without a secret, INKLESS_WEBHOOK_SECRET is read at the first request: missing then is a 500 and one report a minute', async () => {
    delete process.env.INKLESS_WEBHOOK_SECRET
    const onError = vi.fn()
    // Creating it must not throw: `next build` imports route modules without runtime secrets.
    const w = createInklessWebhooks({ onError })
    const first = await w.handle(post(eventBody()))
    expect(first).toMatchObject({ status: 500, body: 'webhook secret not configured' })
    expect((await w.handle(post(eventBody()))).status).toBe(500)
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'secret_missing' })
    expect(onError.mock.calls[0]?.[0].message).toMatch(/INKLESS_WEBHOOK_SECRET/)
    process.env.INKLESS_WEBHOOK_SECRET = SECRET
    expect((await w.handle(post(eventBody()))).status).toBe(200)
  })

  it('defaults to INKLESS_WEBHOOK_SECRET', async () => {
    process.env.INKLESS_WEBHOOK_SECRET = SECRET
    const w = createInklessWebhooks()
    expect((await w.handle(post(eventBody()))).status).toBe(200)
  })

  it('a misspelt callback throws at creation, listing the real ones', () => {
    expect(() =>
      createInklessWebhooks({ secret: SECRET, onDocumentCompleted: () => {} } as object),
    ).toThrow(/unknown option "onDocumentCompleted".*onDocumentComplete/)
  })

  it('a callback that is not a function, or a misspelt choice, throws at creation (JavaScript gets no type error)', () => {
    const create = (options: object) => () => createInklessWebhooks({ secret: SECRET, ...options })
    // Before: every document_signed answered 500 ("fn is not a function").
    expect(create({ onDocumentSigned: 'notify' })).toThrow(
      'inkless-webhooks: onDocumentSigned must be a function (got string).',
    )
    expect(create({ onDocumentSigned: undefined })).not.toThrow()
    // Before: quietly the default, the handlers run before the answer.
    expect(create({ respond: 'immediatly' })).toThrow(
      `inkless-webhooks: respond must be 'after-handlers' or 'immediately' (got "immediatly").`,
    )
    // Before: quietly 'reject', every delivery 503 while the store is down.
    expect(create({ onStoreError: 'proccess' })).toThrow(
      `inkless-webhooks: onStoreError must be 'reject' or 'process' (got "proccess").`,
    )
    for (const respond of ['after-handlers', 'immediately']) {
      expect(create({ respond })).not.toThrow()
    }
    for (const onStoreError of ['reject', 'process']) {
      expect(create({ onStoreError })).not.toThrow()
    }
  })

  it('an unknown option throws at creation, naming it and the option it is close to (JavaScript gets no type error)', () => {
    const create = (options: object) => () => createInklessWebhooks({ secret: SECRET, ...options })
    // Before: accepted and ignored (the default 100 KiB limit, no timestamp check).
    expect(create({ maxBodySize: 1024 })).toThrow(
      'inkless-webhooks: unknown option "maxBodySize"; did you mean "maxBodyBytes"?',
    )
    expect(create({ toleranceMS: 300_000 })).toThrow(
      'inkless-webhooks: unknown option "toleranceMS"; did you mean "toleranceMs"?',
    )
    expect(create({ bodyTimeout: 5000 })).toThrow(
      'inkless-webhooks: unknown option "bodyTimeout"; did you mean "bodyTimeoutMs"?',
    )
    // Not close to any: the name alone, and what the options are.
    expect(create({ verbose: true })).toThrow(
      /^inkless-webhooks: unknown option "verbose"\. Options are secret, tenant, .*toleranceSeconds/,
    )
    // An adapter's own option given to core (the fetch adapter splits it off before).
    expect(create({ path: '/webhook' })).toThrow('unknown option "path"')
    const split = (options: object) => () =>
      splitAdapterOptions<{ path?: string }>(
        { secret: SECRET, ...options },
        undefined,
        ['path'],
        createInklessWebhooks,
      )
    expect(split({ path: '/webhook' })).not.toThrow()
    expect(split({ path: '/webhook', maxBodySize: 1 })).toThrow('unknown option "maxBodySize"')
    // Every documented option, the deprecated alias too, is accepted.
    expect(
      create({
        tenant: () => 'a',
        secretCacheMs: 1000,
        secretLookupTimeoutMs: 1000,
        unknownTenant: 'not-found',
        onVerification: () => true,
        onError: () => {},
        logger: undefined,
        telemetry: false,
        maxBodyBytes: 1024,
        bodyTimeoutMs: 1000,
        respond: 'immediately',
        dedupe: false,
        toleranceSeconds: 300,
        onStoreError: 'process',
        now: Date.now,
        onEvent: () => {},
        onUnknownEvent: () => {},
        onDocumentSigned: () => {},
      }),
    ).not.toThrow()
    expect(create({ toleranceMs: 1000, queue: { enqueue: () => 'queued' } })).not.toThrow()
  })

  it('rejects nonsensical limits', () => {
    expect(() => createInklessWebhooks({ secret: SECRET, maxBodyBytes: 0 })).toThrow()
    expect(() => createInklessWebhooks({ secret: SECRET, toleranceMs: -1 })).toThrow(/toleranceMs/)
    expect(() => createMemoryDedupeStore({ maxEntries: 0 })).toThrow()
    expect(() => createMemoryDedupeStore({ ttlMs: 0 })).toThrow()
  })

  it('on() with an unknown name throws; the returned function and off() remove listeners', async () => {
    const w = createInklessWebhooks({ secret: SECRET, dedupe: false })
    expect(() => w.on('document_voided' as 'document_signed', () => {})).toThrow(/document_voided/)
    const a = vi.fn()
    const b = vi.fn()
    const c = vi.fn()
    const remove = w.on('document_signed', a)
    w.on(['document_signed'], b)
    const removeAny = w.onAny(c)
    await w.handle(post(eventBody()))
    remove()
    w.off('document_signed', b)
    removeAny()
    await w.handle(post(eventBody()))
    const d = vi.fn()
    w.onAny(d)
    w.offAny(d)
    await w.handle(post(eventBody()))
    expect([a, b, c, d].map((f) => f.mock.calls.length)).toEqual([1, 1, 1, 0])
  })

  it('adapters accept options or an existing instance', () => {
    const w = createInklessWebhooks({ secret: SECRET })
    expect(isInklessWebhooks(w)).toBe(true)
    expect(isInklessWebhooks({})).toBe(false)
    expect(splitAdapterOptions(w, { path: '/hook' }, ['path'], createInklessWebhooks)).toEqual({
      webhooks: w,
      adapter: { path: '/hook' },
    })
    const split = splitAdapterOptions<{ path?: string }>(
      { secret: SECRET, path: '/hook' },
      undefined,
      ['path'],
      createInklessWebhooks,
    )
    expect(isInklessWebhooks(split.webhooks)).toBe(true)
    expect(split.adapter).toEqual({ path: '/hook' })
  })

  it('splitAdapterOptions refuses what would be ignored or match nothing, as JavaScript gets no type error', () => {
    const w = createInklessWebhooks({ secret: SECRET })
    const split = (first: object, second?: object) =>
      splitAdapterOptions<{ path?: string }>(
        first as { path?: string },
        second,
        ['path'],
        createInklessWebhooks,
      )
    // A callback beside an instance never ran; beside options, neither did it.
    for (const first of [w, { secret: SECRET }]) {
      expect(() => split(first, { path: '/hook', onDocumentSigned() {} })).toThrow(
        /^inkless-webhooks: onDocumentSigned in the adapter options \(the second argument\) would be ignored: it takes only path;/,
      )
    }
    // `path: 'webhook'` answered every delivery 404.
    for (const [first, second] of [
      [{ secret: SECRET, path: 'webhook' }],
      [w, { path: 'webhook' }],
    ]) {
      expect(() => split(first as object, second)).toThrow(
        `inkless-webhooks: \`path\` must be an absolute path such as '/webhook' (got "webhook").`,
      )
    }
    expect(() => split(w, { path: 7 })).toThrow(/must be an absolute path .* \(got 7\)/)
    expect(split(w, { path: '/' }).adapter).toEqual({ path: '/' })
    expect(split({ secret: SECRET }).adapter).toEqual({})
  })
})

describe('Node.js streams as the body', () => {
  const w = () => createInklessWebhooks({ secret: SECRET, maxBodyBytes: 100, onError: () => {} })

  it('are read to maxBodyBytes whether written in pieces or a Readable: 413 past it', async () => {
    const body = eventBody()
    const stream = new PassThrough()
    const answer = w().handle({ ...post(body), rawBody: stream })
    stream.write(body.slice(0, 10))
    stream.end(body.slice(10))
    expect(
      (await w().handle({ ...post(body), rawBody: Readable.from([Buffer.from(body)]) })).status,
    ).toBe(413)
    expect((await answer).status).toBe(413)
  })

  it('stop at the limit without destroying the stream', async () => {
    const stream = new PassThrough()
    const answer = w().handle({ method: 'POST', headers: {}, rawBody: stream })
    stream.write(Buffer.alloc(60))
    stream.write(Buffer.alloc(60))
    expect((await answer).status).toBe(413)
    expect(stream.destroyed).toBe(false)
    expect(stream.listenerCount('data')).toBe(0)
  })

  it('an error or an early close is a 400, never a crash', async () => {
    const failing = new PassThrough()
    const a = w().handle({ method: 'POST', headers: {}, rawBody: failing })
    failing.destroy(new Error('ECONNRESET'))
    expect((await a).status).toBe(400)
    const closed = new PassThrough()
    const b = w().handle({ method: 'POST', headers: {}, rawBody: closed })
    closed.write('{')
    closed.destroy()
    expect((await b).status).toBe(400)
  })
})

describe('a body read in one call (wholeBody)', () => {
  it('is read once, under the size limit and the deadline, never iterated', async () => {
    const onEvent = vi.fn()
    const w = createInklessWebhooks({
      secret: SECRET,
      onEvent,
      maxBodyBytes: 1000,
      bodyTimeoutMs: 50,
      onError: () => {},
    })
    const once = (read: () => Promise<ArrayBuffer | Uint8Array>) => {
      const body = wholeBody(read)
      // The fast path: core calls `read`, not the iterator.
      return Object.assign(body, {
        [Symbol.asyncIterator]: () => {
          throw new Error('iterated')
        },
      })
    }
    const text = eventBody()
    const read = vi.fn(async () => new TextEncoder().encode(text).buffer as ArrayBuffer)
    expect((await w.handle({ ...post(text), rawBody: once(read) })).status).toBe(200)
    expect(read).toHaveBeenCalledTimes(1)
    expect(onEvent).toHaveBeenCalledTimes(1)
    const large = once(async () => new Uint8Array(1001))
    expect((await w.handle({ method: 'POST', headers: {}, rawBody: large })).status).toBe(413)
    const never = once(() => new Promise<Uint8Array>(() => {}))
    expect((await w.handle({ method: 'POST', headers: {}, rawBody: never })).status).toBe(408)
    const failing = once(() => Promise.reject(new Error('reset')))
    expect((await w.handle({ method: 'POST', headers: {}, rawBody: failing })).status).toBe(400)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('is given the size limit; a 413 rejection is a 413, and stop() ends a read the deadline cut', async () => {
    const w = createInklessWebhooks({
      secret: SECRET,
      onEvent: () => {},
      maxBodyBytes: 1000,
      bodyTimeoutMs: 50,
      onError: () => {},
    })
    // raw-body's error past its limit: an http-errors 413.
    const read = vi.fn((_limit: number) =>
      Promise.reject(Object.assign(new Error('request entity too large'), { status: 413 })),
    )
    const large = wholeBody(read)
    expect((await w.handle({ method: 'POST', headers: {}, rawBody: large })).status).toBe(413)
    expect(read).toHaveBeenCalledWith(1000)
    const stop = vi.fn()
    const never = wholeBody(() => new Promise<Uint8Array>(() => {}), stop)
    expect((await w.handle({ method: 'POST', headers: {}, rawBody: never })).status).toBe(408)
    expect(stop).toHaveBeenCalledTimes(1)
    const done = wholeBody(async () => new Uint8Array(2), stop)
    expect((await w.handle({ method: 'POST', headers: {}, rawBody: done })).status).toBe(401)
    expect(stop).toHaveBeenCalledTimes(1)
  })

  it('is one chunk to any other reader', async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of wholeBody(async () => new Uint8Array([1, 2, 3]).buffer))
      chunks.push(chunk)
    expect(chunks).toEqual([new Uint8Array([1, 2, 3])])
  })
})

describe('Web streams as the body', () => {
  const streamOf = (chunks: Uint8Array[], pulled: { count: number }) =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks[pulled.count++]
        if (next) controller.enqueue(next)
        else controller.close()
      },
    })

  it('are read with a reader, and cancelled once over the limit', async () => {
    const body = Buffer.from(eventBody())
    const w = createInklessWebhooks({ secret: SECRET, maxBodyBytes: 1000 })
    const pulled = { count: 0 }
    const ok = await w.handle({
      ...post(body),
      rawBody: streamOf([body.subarray(0, 20), body.subarray(20)], pulled),
    })
    expect(ok.status).toBe(200)
    const huge = { count: 0 }
    const chunks = Array.from({ length: 100 }, () => new Uint8Array(400))
    expect(
      (await w.handle({ method: 'POST', headers: {}, rawBody: streamOf(chunks, huge) })).status,
    ).toBe(413)
    expect(huge.count).toBeLessThanOrEqual(4)
  })
})

describe('pathMatches', () => {
  it('ignores the query and a trailing slash', () => {
    expect(pathMatches('/webhook?x=1', '/webhook')).toBe(true)
    expect(pathMatches('/webhook/', '/webhook')).toBe(true)
    expect(pathMatches('/webhooks', '/webhook')).toBe(false)
    expect(pathMatches(undefined, '/webhook')).toBe(false)
  })
})

describe('createMemoryDedupeStore', () => {
  it('claims, completes, releases, forgets after the TTL', async () => {
    let clock = 0
    const store = createMemoryDedupeStore({ ttlMs: 1000, now: () => clock })
    expect(store.claim('a')).toBe('claimed')
    expect(store.claim('a')).toBe('processing')
    store.release('a')
    expect(store.claim('a')).toBe('claimed')
    store.complete('a')
    expect(store.claim('a')).toBe('done')
    clock = 1001
    expect(store.claim('a')).toBe('claimed')
  })

  it('is bounded, evicting the least recently seen key', () => {
    const store = createMemoryDedupeStore({ maxEntries: 2 })
    for (const k of ['a', 'b']) {
      store.claim(k)
      store.complete(k)
    }
    expect(store.claim('a')).toBe('done') // touch a: b is now the oldest
    store.claim('c')
    store.complete('c')
    expect(store.claim('a')).toBe('done')
    expect(store.claim('b')).toBe('claimed')
  })
})

describe('shared option checks and deadlines (the adapter seam)', () => {
  it('positiveOption: the value or its default, else an error naming the option', () => {
    expect(positiveOption('ttlMs', undefined, 5)).toBe(5)
    expect(positiveOption('ttlMs', 2.5, 5)).toBe(2.5)
    expect(() => positiveOption('ttlMs', 0, 5)).toThrow(
      'inkless-webhooks: ttlMs must be a positive number (got 0).',
    )
    expect(() => positiveOption('concurrency', 1.5, 1, { integer: true })).toThrow(
      'inkless-webhooks: concurrency must be a positive integer (got 1.5).',
    )
    expect(() => positiveOption('maxEntries', 1, 2, { integer: true, min: 2 })).toThrow(
      'inkless-webhooks: maxEntries must be an integer of at least 2 (got 1).',
    )
    expect(() => createMemoryDedupeStore({ ttlMs: -1 })).toThrow(/^inkless-webhooks: ttlMs/)
  })

  it('withDeadline: the work, or the deadline error when it never answers', async () => {
    await expect(withDeadline(Promise.resolve('ok'), 1000, () => new Error('late'))).resolves.toBe(
      'ok',
    )
    await expect(withDeadline(new Promise(() => {}), 1, () => new Error('late'))).rejects.toThrow(
      'late',
    )
    await expect(
      withDeadline(Promise.reject(new Error('down')), 1000, () => new Error('late')),
    ).rejects.toThrow('down')
  })
})

describe('reports', () => {
  it('reach onError even when the logger throws', async () => {
    const onError = vi.fn()
    const logger = {
      error: () => {
        throw new Error('logger down')
      },
      warn: () => {
        throw new Error('logger down')
      },
    }
    const w = createInklessWebhooks({
      secret: SECRET,
      logger,
      onError,
      onDocumentSigned: () => {
        throw new Error('handler')
      },
    })
    expect((await w.handle(post(eventBody()))).status).toBe(500)
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'handler_failed' })
  })
})
