import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { type DeliveryContext, signPayload, verifySignature } from '@inkless-webhooks/core'
import { getHeader } from '@inkless-webhooks/core/adapter'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SECRET } from './support/deliveries.js'
import { size } from './support/stress.js'
import { targets } from './support/targets.js'

const LIMIT = 2048
// 10,000 generated requests per adapter under pnpm stress, 2,000 in pnpm test.
const BATCHES = Number(process.env.FUZZ_BATCHES ?? size(250, 50))
const BATCH = 40

type Transfer = 'length' | 'chunked' | 'truncated'
interface Generated {
  method: string
  body: Buffer
  kind: 'event' | 'unknown' | 'handshake' | 'junk'
  signature: 'valid' | 'other-body' | 'random' | 'garbage' | 'missing'
  alg: string | undefined
  contentType: string | undefined
  gzip: boolean
  transfer: Transfer
  splits: number[]
  upperCase: boolean
}

let nonce = 0
const eventJson = (name: string) =>
  JSON.stringify({
    event: name,
    secure_link_id: nonce++,
    document_token: `fz${nonce}`,
    timestamp: '2026-03-11T23:25:31Z',
  })

// Hostile shapes from the hardening issue, all within LIMIT: deep nesting, huge arrays, long
// strings in every field, and newlines or NUL inside fields.
const hostileField = fc.oneof(
  fc.constant('a\nb'),
  fc.constant('a\u0000b'),
  fc.constant('\n\n'),
  fc.nat({ max: 1500 }).map((n) => 'x'.repeat(n)),
)
const hostile = fc.oneof(
  fc.nat({ max: 1000 }).map((d) => ({
    kind: 'junk' as const,
    make: () => `${'['.repeat(d)}${']'.repeat(d)}`,
  })),
  fc.nat({ max: 900 }).map((d) => ({
    kind: 'event' as const,
    make: () =>
      eventJson('document_signed').replace('}', `,"n":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
  })),
  fc.nat({ max: 1000 }).map((n) => ({
    kind: 'junk' as const,
    make: () => JSON.stringify(Array.from({ length: n }, () => 0)),
  })),
  fc.record({ token: hostileField, timestamp: hostileField }).map(({ token, timestamp }) => ({
    kind: 'event' as const,
    make: () =>
      JSON.stringify({ event: 'document_signed', document_token: `${nonce++}${token}`, timestamp }),
  })),
  hostileField.map((name) => ({
    kind: 'unknown' as const,
    make: () => eventJson(`e${name}`),
  })),
)

const body = fc.oneof(
  { weight: 2, arbitrary: hostile },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom('document_signed', 'envelope_complete', 'email_bounced')
      .map((n) => ({ kind: 'event' as const, make: () => eventJson(n) })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ kind: 'unknown' as const, make: () => eventJson('document_voided') }),
  },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 40 }).map((s) => ({
      kind: 'handshake' as const,
      make: () => JSON.stringify({ verification_secret: s, provider: 'inkless' }),
    })),
  },
  { weight: 2, arbitrary: fc.json().map((j) => ({ kind: 'junk' as const, make: () => j })) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 300 })
      .map((b) => ({ kind: 'junk' as const, make: () => Buffer.from(b).toString('latin1') })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: LIMIT - 2, max: 4 * LIMIT }).map((n) => ({
      kind: 'junk' as const,
      make: () => eventJson('document_signed').replace('}', `,"pad":"${'x'.repeat(n)}"}`),
    })),
  },
)

const request: fc.Arbitrary<Omit<Generated, 'body'> & { make: () => string }> = fc
  .record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'post') },
    ),
    body,
    signature: fc.constantFrom(
      'valid',
      'valid',
      'valid',
      'other-body',
      'random',
      'garbage',
      'missing',
    ),
    alg: fc.option(fc.constantFrom('SHA256', 'sha256', 'Sha256', 'SHA1', 'HS256', ''), {
      nil: undefined,
    }),
    contentType: fc.option(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/octet-stream',
        'multipart/form-data; boundary=x',
      ),
      { nil: undefined },
    ),
    gzip: fc.boolean(),
    transfer: fc.constantFrom<Transfer>('length', 'length', 'chunked', 'truncated'),
    splits: fc.array(fc.nat({ max: 400 }), { maxLength: 4 }),
    upperCase: fc.boolean(),
  })
  .map(({ body: b, ...rest }) => ({ ...rest, kind: b.kind, make: b.make }))

function signatureFor(g: Generated): string | undefined {
  switch (g.signature) {
    case 'valid':
      return signPayload(g.body, SECRET)
    case 'other-body':
      return signPayload(`${g.body.toString('latin1')} `, SECRET)
    case 'random':
      return Buffer.from(
        Array.from({ length: 32 }, (_, i) => (i * 37 + g.body.length) & 0xff),
      ).toString('base64')
    case 'garbage':
      return 'not-a-signature ==='
    case 'missing':
      return undefined
  }
}

/** The raw bytes of one HTTP/1.1 request, framed as generated. */
function wire(g: Generated): { head: string; payload: Buffer[]; truncated: boolean } {
  const name = (n: string) => (g.upperCase ? n.toUpperCase() : n)
  const headers = [`Host: 127.0.0.1`, 'Connection: close']
  const signature = signatureFor(g)
  if (signature !== undefined) headers.push(`${name('X-Inkless-Signature')}: ${signature}`)
  if (g.alg !== undefined) headers.push(`${name('X-Inkless-Alg')}: ${g.alg}`)
  if (g.contentType !== undefined) headers.push(`Content-Type: ${g.contentType}`)
  if (g.gzip) headers.push('Content-Encoding: gzip')
  const cuts = [...new Set(g.splits.map((s) => s % (g.body.length + 1)))].sort((a, b) => a - b)
  const parts = [0, ...cuts, g.body.length]
    .slice(1)
    .map((end, i, ends) => g.body.subarray(i === 0 ? 0 : ends[i - 1], end))
  if (g.transfer === 'chunked') {
    headers.push('Transfer-Encoding: chunked')
    const chunks = parts
      .filter((p) => p.length > 0)
      .map((p) =>
        Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
      )
    return {
      head: `${g.method} /webhook HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`,
      payload: [...chunks, Buffer.from('0\r\n\r\n')],
      truncated: false,
    }
  }
  const truncated = g.transfer === 'truncated' && g.body.length > 0
  headers.push(`Content-Length: ${g.body.length + (truncated ? 10 : 0)}`)
  return {
    head: `${g.method} /webhook HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`,
    payload: parts,
    truncated,
  }
}

/** Sends the request over its own connection; the status, or undefined if none came back. */
function exchange(port: number, g: Generated): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const { head, payload, truncated } = wire(g)
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within 10 s: ${head.split('\r\n')[0]}`))
    }, 10_000)
    socket.on('data', (d) => {
      answer += d.toString('latin1')
    })
    socket.on('error', () => {}) // a server closing on 413 may reset us mid-write
    socket.on('close', () => {
      clearTimeout(timer)
      const status = answer.match(/^HTTP\/1\.1 (\d{3})/)
      resolve(status ? Number(status[1]) : undefined)
    })
    socket.on('connect', async () => {
      socket.write(head)
      for (const part of payload) {
        if (socket.destroyed) return
        socket.write(part)
        await new Promise((r) => setImmediate(r))
      }
      if (truncated) socket.end()
    })
  })
}

/** What the table of docs/requests.md says the answer must be, for a whole request. */
function expected(g: Generated): number[] {
  // Node's HTTP parser refuses a lower-case method itself, before any adapter runs.
  if (g.method === 'post') return [400]
  if (g.method !== 'POST') return [405]
  if (g.body.length > LIMIT) return [413]
  if (g.kind === 'handshake' && !g.gzip) return [200]
  if (g.alg !== undefined && g.alg.toLowerCase() !== 'sha256') return [401]
  if (g.signature !== 'valid') return [401]
  if (g.kind === 'event' || g.kind === 'unknown') return g.gzip ? [400] : [200]
  return [200, 400] // junk that parses as a handshake-like or event-like JSON, or not
}

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => process.on('unhandledRejection', onUnhandled))
afterAll(() => process.off('unhandledRejection', onUnhandled))

describe.each(targets.filter((t) => t.name !== 'fetch (Hono app.request)'))(
  'fuzz: $name',
  (target) => {
    it(`${BATCHES * BATCH} generated requests: only table statuses, handlers only for valid signatures`, {
      timeout: 300_000,
    }, async () => {
      const violations: string[] = []
      let handled = 0
      const check = (_: unknown, context: DeliveryContext) => {
        handled++
        const header = getHeader(context.headers, 'x-inkless-signature')
        if (!verifySignature(context.rawBody, header, SECRET))
          violations.push(`handler ran for ${String(context.rawBody)}`)
      }
      const app = await target.start({
        secret: SECRET,
        maxBodyBytes: LIMIT,
        onEvent: check,
        onUnknownEvent: check,
        onError: () => {},
      })
      const port = Number(new URL(app.url as string).port)
      let sent = 0
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(request, { minLength: BATCH, maxLength: BATCH }),
            async (batch) => {
              const generated: Generated[] = batch.map(({ make, ...g }) => {
                const text = make()
                return { ...g, body: g.gzip ? gzipSync(text) : Buffer.from(text, 'latin1') }
              })
              const statuses = await Promise.all(generated.map((g) => exchange(port, g)))
              sent += generated.length
              statuses.forEach((status, i) => {
                const g = generated[i] as Generated
                if (g.transfer === 'truncated' && g.body.length > 0) {
                  // The client hung up mid-body: no answer, or a 400/413, never a handler call.
                  if (status !== undefined && ![400, 405, 413].includes(status))
                    violations.push(`truncated got ${status}`)
                } else if (status === undefined || !expected(g).includes(status)) {
                  violations.push(
                    `${g.method} ${g.kind} sig=${g.signature} alg=${g.alg} gzip=${g.gzip} ${g.transfer} ${g.body.length}B: got ${status}, expected ${expected(g)}`,
                  )
                }
              })
              if (violations.length > 0) throw new Error(violations.slice(0, 8).join('\n'))
            },
          ),
          { numRuns: BATCHES, endOnFailure: true },
        )
      } finally {
        await app.close()
      }
      expect(violations.slice(0, 5)).toEqual([])
      expect(unhandled).toEqual([])
      expect(sent).toBe(BATCHES * BATCH)
      // About 4% of generated requests are whole, valid, signed events: they must reach a handler.
      expect(handled).toBeGreaterThan(sent / 50)
    })
  },
)
