import { execFile, execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  createInklessWebhooks,
  INKLESS_EVENTS,
  parseEvent,
  signPayload,
  verifySignature,
} from '@inkless-webhooks/core'
import { inklessWebhooks as fetchWebhooks } from '@inkless-webhooks/fetch'
import { inklessWebhooks } from '@inkless-webhooks/node'
import {
  buildHandshakeRequest,
  buildSignedRequest,
  createTestEvent,
  planEnvelopes,
  sendHandshake,
  sendWebhook,
} from '@inkless-webhooks/testing'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SECRET } from './support/deliveries.js'

const CLI = join(import.meta.dirname, '../packages/testing/dist/cli.mjs')
const run = promisify(execFile)

/** Runs the CLI; resolves with its exit code and output whatever the code. */
async function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const env = { ...process.env, INKLESS_WEBHOOK_SECRET: '', ...options.env }
  if (options.input !== undefined) {
    try {
      const stdout = execFileSync(process.execPath, [CLI, ...args], {
        input: options.input,
        env,
        encoding: 'utf8',
      })
      return { code: 0, stdout, stderr: '' }
    } catch (error) {
      const e = error as { status: number; stdout: string; stderr: string }
      return { code: e.status, stdout: e.stdout, stderr: e.stderr }
    }
  }
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('fixtures', () => {
  it('createTestEvent: a valid payload for each of the 16 events, overridable', () => {
    for (const name of INKLESS_EVENTS) {
      const event = createTestEvent(name)
      const parsed = parseEvent(JSON.stringify(event))
      expect(parsed).toMatchObject({ ok: true, kind: 'event', event: { event: name } })
      expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(event.document_token).toMatch(/^[0-9a-f]{32}$/)
      const hasLink = !['document_complete', 'envelope_complete'].includes(name)
      expect(Number.isInteger(event.secure_link_id)).toBe(hasLink)
    }
    const custom = createTestEvent('document_signed', {
      secure_link_id: 271,
      document_token: 'tok',
    })
    expect(custom).toMatchObject({
      event: 'document_signed',
      secure_link_id: 271,
      document_token: 'tok',
    })
    expect(() => createTestEvent('document_voided' as 'document_signed')).toThrow(
      /Unknown Inkless event/,
    )
  })

  it('buildSignedRequest: the headers Inkless sends, signing the exact body', () => {
    const event = createTestEvent('envelope_complete')
    const req = buildSignedRequest(event, { secret: SECRET })
    expect(req.method).toBe('POST')
    expect(req.body).toBe(JSON.stringify(event))
    expect(req.headers['x-inkless-alg']).toBe('SHA256')
    expect(verifySignature(req.body, req.headers['x-inkless-signature'], SECRET)).toBe(true)
    const raw = '{ "event": "link_viewed" }'
    expect(buildSignedRequest(raw, { secret: SECRET }).body).toBe(raw)
    expect(
      buildSignedRequest(raw, { secret: SECRET, headers: { 'x-inkless-alg': 'SHA1' } }).headers[
        'x-inkless-alg'
      ],
    ).toBe('SHA1')
    expect(() => buildSignedRequest(raw, { secret: '' })).toThrow(/INKLESS_WEBHOOK_SECRET/)
  })

  it("works with Hono's app.request() and handle() as they are", async () => {
    const onEnvelopeComplete = vi.fn()
    const app = new Hono()
    const handler = fetchWebhooks({ secret: SECRET, onEnvelopeComplete })
    app.post('/webhook', (c) => handler(c.req.raw))
    const res = await app.request(
      '/webhook',
      buildSignedRequest(createTestEvent('envelope_complete'), { secret: SECRET }),
    )
    expect(res.status).toBe(200)
    expect(onEnvelopeComplete).toHaveBeenCalledTimes(1)
    const handshake = buildHandshakeRequest({ verification_secret: 'vs_1' })
    const webhooks = createInklessWebhooks({ secret: SECRET })
    const answer = await webhooks.handle({ ...handshake, rawBody: handshake.body })
    expect(answer).toMatchObject({ status: 200, body: 'vs_1' })
    expect(handshake.verificationSecret).toBe('vs_1')
  })
})

describe('planEnvelopes', () => {
  it('plays each signer through the lifecycle, then document and envelope completion', () => {
    const plan = planEnvelopes({ envelopes: 3, signers: 2 })
    expect(plan).toHaveLength(3 * (2 * 10 + 2))
    expect(plan.filter((d) => d.event.event === 'document_signed')).toHaveLength(6)
    expect(plan.filter((d) => d.event.event === 'envelope_complete')).toHaveLength(3)
    expect(new Set(plan.map((d) => d.body)).size).toBe(plan.length)
    // In order unless shuffled: envelope_complete closes each envelope.
    expect(plan[21]?.event.event).toBe('envelope_complete')
  })

  it('adds duplicates after their original, and shuffles on request', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 16807) % 2147483647
      return (seed - 1) / 2147483646
    }
    const plan = planEnvelopes({ envelopes: 20, signers: 2, duplicates: 0.3, random })
    const unique = new Set(plan.map((d) => d.body))
    expect(unique.size).toBe(440)
    expect(plan.length - unique.size).toBeGreaterThan(90)
    expect(plan.length - unique.size).toBeLessThan(180)
    for (const [i, d] of plan.entries()) {
      if (d.duplicate) expect(plan.findIndex((o) => o.body === d.body)).toBeLessThan(i)
    }
    const shuffled = planEnvelopes({ envelopes: 20, signers: 2, shuffle: true, random })
    expect(shuffled.map((d) => d.event.event)).not.toEqual(
      planEnvelopes({ envelopes: 20, signers: 2 }).map((d) => d.event.event),
    )
  })
})

describe('sendWebhook / sendHandshake / CLI over TLS', () => {
  let dir: string
  let url: string
  let server: ReturnType<typeof createHttpsServer>
  const onEvent = vi.fn()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inkless-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    const { readFileSync } = await import('node:fs')
    server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      inklessWebhooks({ secret: SECRET, onEvent, onError: () => {} }),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`
  })
  afterAll(() => {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a self-signed certificate unless told to trust it', async () => {
    expect((await cli(['handshake', url])).code).toBe(1)
    const withCa = await cli(['handshake', url, '--ca', join(dir, 'cert.pem')])
    expect(withCa).toMatchObject({ code: 0 })
    expect(withCa.stdout).toMatch(/^pass:/)
    expect(
      (await cli(['send', url, 'document_signed', '--insecure', '--secret', SECRET])).code,
    ).toBe(0)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('the library: sendWebhook reports status, body and timing; sendHandshake checks the echo', async () => {
    const { createDispatcher } = await import('@inkless-webhooks/testing')
    const dispatcher = createDispatcher({ ca: join(dir, 'cert.pem') })
    const delivery = await sendWebhook(url, createTestEvent('link_viewed'), {
      secret: SECRET,
      dispatcher,
    })
    expect(delivery).toMatchObject({ status: 200, ok: true, body: 'ok' })
    expect(delivery.durationMs).toBeGreaterThan(0)
    expect(
      (await sendWebhook(url, createTestEvent('link_viewed'), { secret: 'wrong', dispatcher }))
        .status,
    ).toBe(401)
    expect(await sendHandshake(url, { dispatcher })).toMatchObject({ passed: true })
    await dispatcher.close()
  })
})

describe('CLI', () => {
  it('sign: prints the signature of stdin', async () => {
    const body = '{"event":"document_signed"}\n'
    const res = await cli(['sign', '--secret', SECRET], { input: body })
    expect(res.stdout.trim()).toBe(signPayload(body, SECRET))
    const fromEnv = await cli(['sign'], {
      input: body,
      env: { INKLESS_WEBHOOK_SECRET: 'env-secret' },
    })
    expect(fromEnv.stdout.trim()).toBe(signPayload(body, 'env-secret'))
  })

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['send'], /missing <url>/],
    [['send', 'not a url', 'document_signed'], /not a URL/],
    [['send', 'ftp://x/webhook', 'document_signed'], /http:\/\/ or https:\/\//],
    [
      ['send', 'http://127.0.0.1:1/webhook', 'document_voided', '--secret', 's'],
      /unknown event "document_voided"/,
    ],
    [['send', 'http://127.0.0.1:1/webhook', 'document_signed'], /no secret/],
    [
      ['simulate', 'http://127.0.0.1:1/webhook', '--duplicates', '2', '--secret', 's'],
      /--duplicates must be between 0 and 1/,
    ],
    [
      ['simulate', 'http://127.0.0.1:1/webhook', '--signers', 'two', '--secret', 's'],
      /--signers must be an integer/,
    ],
    [['simulate', 'http://127.0.0.1:1/webhook', '--bogus'], /Unknown option '--bogus'/],
    [
      ['handshake', 'http://127.0.0.1:1/webhook', '--shuffle'],
      /--shuffle does not apply to "handshake"/,
    ],
  ])('bad arguments %j: one line, usage, exit 2', async (args, message) => {
    const res = await cli(args)
    expect(res.code).toBe(2)
    const [first, ...rest] = res.stderr.split('\n')
    expect(first).toMatch(message)
    expect(first).toMatch(/^inkless-webhooks: /)
    expect(rest.join('\n')).toMatch(/Usage: inkless-webhooks/)
  })

  it('--help on every command', async () => {
    for (const command of ['handshake', 'send', 'simulate', 'sign']) {
      const res = await cli([command, '--help'])
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(new RegExp(`Usage: inkless-webhooks ${command}`))
    }
    expect((await cli(['--help'])).stdout).toMatch(/Commands:/)
  })

  it('handshake fails on a wrong echo or content type', async () => {
    const { createServer } = await import('node:http')
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const res = await cli([
      'handshake',
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    ])
    server.close()
    expect(res.code).toBe(1)
    expect(res.stdout).toMatch(/^fail: the body is not exactly the verification_secret/)
  })

  it('send --data merges fields from a file', async () => {
    const received = vi.fn()
    const server = (await import('node:http')).createServer(
      inklessWebhooks({ secret: SECRET, onDocumentSigned: received }),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const dir = mkdtempSync(join(tmpdir(), 'inkless-data-'))
    writeFileSync(join(dir, 'extra.json'), JSON.stringify({ signer_email: 'ada@example.test' }))
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`
    const res = await cli([
      'send',
      target,
      'document_signed',
      '--secret',
      SECRET,
      '--document-token',
      'tok_1',
      '--secure-link-id',
      '271',
      '--data',
      join(dir, 'extra.json'),
    ])
    server.close()
    rmSync(dir, { recursive: true, force: true })
    expect(res.code).toBe(0)
    expect(received.mock.calls[0]?.[0]).toMatchObject({
      document_token: 'tok_1',
      secure_link_id: 271,
      signer_email: 'ada@example.test',
    })
  })
})
