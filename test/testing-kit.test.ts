import { execFile, execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, connect } from 'node:net'
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
  simulate,
} from '@inkless-webhooks/testing'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
// The CLI's wording of a network failure: not exported by the package.
import { networkFailure } from '../packages/testing/src/explain.js'
import { CLI, cli } from './support/cli.js'
import { SECRET } from './support/deliveries.js'
import { freePort } from './support/ports.js'

describe('fixtures', () => {
  it('createTestEvent: a valid payload for each event of INKLESS_EVENTS, overridable', () => {
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
      /^inkless-webhooks: unknown event "document_voided"\. Known events: document_signing_link_sent, /,
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
    expect(() => buildSignedRequest(raw, { secret: '' })).toThrow(
      /^inkless-webhooks: no secret to sign with\. Pass \{ secret \} or set INKLESS_WEBHOOK_SECRET/,
    )
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
    expect(await cli(['handshake', url])).toMatchObject({
      code: 1,
      stderr: `inkless-webhooks: cannot reach ${url}: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT); pass --ca <file> to trust the server's certificate, or --insecure to accept any\n`,
    })
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

  it('sign: with a terminal as stdin, says to pipe the body instead of waiting for it', async () => {
    // `script` runs the CLI with a pseudo-terminal as its stdin (and its output on it).
    const command = `'${process.execPath}' '${CLI}' sign --secret s`
    const res = await new Promise<{ code: number | null; out: string }>((resolve) =>
      execFile('script', ['-qec', command, '/dev/null'], (error, stdout) =>
        resolve({ code: error ? (error.code as number) : 0, out: stdout }),
      ),
    )
    expect(res.out).toContain(
      `sign reads the body from a pipe: printf '%s' "$BODY" | inkless-webhooks sign`,
    )
    expect(res.code).toBe(2)
  })

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['send'], /missing <url>/],
    [['send', 'not a url', 'document_signed'], /not a URL/],
    [['send', 'ftp://x/webhook', 'document_signed'], /http:\/\/ or https:\/\//],
    [
      ['send', 'http://127.0.0.1:1/webhook', 'document_voided', '--secret', 's'],
      /unknown event "document_voided"$/,
    ],
    [['dev', '--secret', 's'], /missing --forward-to <url>/],
    [['dev', '--forward-to', 'ftp://x/webhook', '--secret', 's'], /http:\/\/ or https:\/\//],
    [['dev', '--forward-to', 'http://127.0.0.1:1/webhook'], /no secret/],
    [
      ['dev', '--forward-to', 'http://127.0.0.1:1/', '--secret', 's', '--port', 'x'],
      /--port must be an integer/,
    ],
    [['dev', 'http://127.0.0.1:1/', '--secret', 's'], /dev takes no arguments/],
    [
      ['dev', '--forward-to', 'http://127.0.0.1:1/', '--secret', 's', '--port', '70000'],
      /--port must be an integer ≤ 65535/,
    ],
    [
      ['send', 'http://127.0.0.1:1/webhook', 'document_sign', '--secret', 's'],
      /^inkless-webhooks: unknown event "document_sign"; did you mean "document_signed"\?$/,
    ],
    [
      ['send', 'http://127.0.0.1:1/webhook', 'Email_Opend', '--secret', 's'],
      /unknown event "Email_Opend"; did you mean "email_opened"\?$/,
    ],
    [
      ['send', 'http://127.0.0.1:1/webhook', 'document_signed', '--header', 'no colon'],
      /--header "no colon": expected "Name: value"/,
    ],
    [
      ['send', 'http://127.0.0.1:1/webhook', '--raw', 'x.json', '--data', 'y.json'],
      /--data does not apply to --raw/,
    ],
    [
      ['send', 'http://127.0.0.1:1/webhook', 'document_signed', '--raw', 'x.json'],
      /--raw takes the event from the file/,
    ],
    [
      ['send', 'http://127.0.0.1:1/webhook', '--raw', '/nonexistent/captured.json'],
      /--raw \/nonexistent\/captured.json: ENOENT/,
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
    [
      ['simulate', 'http://127.0.0.1:1/webhook', '--bogus'],
      /^inkless-webhooks: unknown option --bogus$/,
    ],
    [['send', 'http://127.0.0.1:1/webhook', '-x'], /^inkless-webhooks: unknown option -x$/],
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

describe('CLI, as a new user tries it', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(
      readFileSync(join(import.meta.dirname, '../packages/testing/package.json'), 'utf8'),
    )
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    expect((await cli(['--help'])).stdout).toMatch(/--version/)
  })

  it("the testing README's sign line signs exactly the bytes it shows (printf, not echo)", async () => {
    const readme = readFileSync(join(import.meta.dirname, '../packages/testing/README.md'), 'utf8')
    const line = readme.split('\n').find((l) => l.endsWith('| npx inkless-webhooks sign'))
    const shown = line?.match(/'(\{.*\})'/)?.[1] as string
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-c', (line as string).replace('npx inkless-webhooks', '"$NODE" "$CLI"')],
      { env: { ...process.env, NODE: process.execPath, CLI, INKLESS_WEBHOOK_SECRET: SECRET } },
    )
    expect(stdout).toBe(`${signPayload(shown, SECRET)}\n`)
  })

  it('--data refuses a JSON array (or any non-object) with one line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkless-data-'))
    const target = 'http://127.0.0.1:1/webhook'
    for (const [text, kind] of [
      ['[{"signer_email":"ada@example.test"}]', 'an array'],
      ['"x"', 'a string'],
      ['null', 'null'],
    ]) {
      writeFileSync(join(dir, 'data.json'), text as string)
      const args = ['send', target, 'document_signed', '--secret', 's', '--data']
      const res = await cli([...args, join(dir, 'data.json')])
      expect(res.code).toBe(2)
      expect(res.stderr.split('\n')[0]).toBe(
        `inkless-webhooks: --data ${join(dir, 'data.json')}: expected a JSON object of fields to merge, got ${kind}`,
      )
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('handshake: a 404 prints what to check', async () => {
    const server = await counting((_req, res) => res.writeHead(404).end('Not Found'))
    const res = await cli(['handshake', `${server.base}/wrong-path`])
    server.close()
    expect(res.code).toBe(1)
    expect(res.stdout.split('\n')).toEqual([
      'fail: expected status 200, got 404',
      "404 not found: nothing at that path; check the URL's path and the server's path option",
      '',
    ])
  })

  it('a 401 names where the secret came from: --secret or INKLESS_WEBHOOK_SECRET', async () => {
    const server = await counting(inklessWebhooks({ secret: SECRET, onError: () => {} }))
    const target = `${server.base}/webhook`
    const fromEnv = await cli(['send', target, 'document_signed'], {
      env: { INKLESS_WEBHOOK_SECRET: 'whsec_wrong' },
    })
    const fromFlag = await cli(['send', target, 'document_signed', '--secret', 'whsec_wrong'])
    server.close()
    expect(fromEnv.stdout.split('\n')[1]).toBe(
      '401 invalid signature: is INKLESS_WEBHOOK_SECRET (no --secret given) the webhook secret configured on the server?',
    )
    expect(fromFlag.stdout.split('\n')[1]).toBe(
      '401 invalid signature: is --secret the webhook secret configured on the server?',
    )
  })

  it('send --raw sends a captured payload byte for byte, signed; --header adds or replaces headers', async () => {
    const seen: { headers: Record<string, unknown>; body: string }[] = []
    const recorder = createServer(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      seen.push({ headers: req.headers, body })
      res.writeHead(200).end('ok')
    })
    recorder.listen(0, '127.0.0.1')
    await once(recorder, 'listening')
    const dir = mkdtempSync(join(tmpdir(), 'inkless-raw-'))
    // As captured: pretty-printed, key order of its own, a trailing newline.
    const captured =
      '{\n  "timestamp": "2026-03-11T23:25:31Z",\n  "event": "document_signed",\n  "document_token": "tok_raw",\n  "secure_link_id": 7\n}\n'
    writeFileSync(join(dir, 'captured.json'), captured)
    const res = await cli([
      'send',
      `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/webhook`,
      '--raw',
      join(dir, 'captured.json'),
      '--secret',
      SECRET,
      '--header',
      'X-Request-Id: req-42',
      '--header',
      'x-inkless-alg: SHA1',
    ])
    recorder.close()
    expect(res.code).toBe(0)
    expect(seen).toHaveLength(1)
    expect(seen[0]?.body).toBe(captured)
    expect(seen[0]?.headers).toMatchObject({
      'x-inkless-signature': signPayload(captured, SECRET),
      'x-request-id': 'req-42',
      'x-inkless-alg': 'SHA1',
    })

    // And a real receiver accepts the captured bytes as they are.
    const received = vi.fn()
    const server = await counting(inklessWebhooks({ secret: SECRET, onDocumentSigned: received }))
    const real = await cli([
      'send',
      `${server.base}/webhook`,
      '--raw',
      join(dir, 'captured.json'),
      '--secret',
      SECRET,
    ])
    server.close()
    rmSync(dir, { recursive: true, force: true })
    expect(real.stdout).toMatch(/^200 ok/)
    expect(received.mock.calls[0]?.[0]).toMatchObject({
      document_token: 'tok_raw',
      secure_link_id: 7,
    })
  })
})

/**
 * A server on 127.0.0.1 that passes each request to `listener` and counts the deliveries:
 * signed requests, one signature per body (the handshake is not signed).
 */
async function counting(listener: RequestListener) {
  const attempts = new Map<string, number>()
  const server = createServer((req, res) => {
    const signature = req.headers['x-inkless-signature']
    if (typeof signature === 'string') attempts.set(signature, (attempts.get(signature) ?? 0) + 1)
    listener(req, res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    close() {
      server.closeAllConnections()
      server.close()
    },
  }
}

describe('CLI names the cause of a failure', () => {
  it('a refused port: the URL and ECONNREFUSED, from every command', async () => {
    const port = await freePort()
    const target = `http://127.0.0.1:${port}/webhook`
    const line = `inkless-webhooks: cannot reach ${target}: connect ECONNREFUSED 127.0.0.1:${port}; is the server running, on that port?\n`
    for (const args of [
      ['handshake', target],
      ['send', target, 'document_signed', '--secret', SECRET],
      ['simulate', target, '--secret', SECRET],
    ]) {
      expect(await cli(args)).toEqual({ code: 1, stdout: '', stderr: line })
    }
  })

  it('a port fetch refuses (9, like browsers): said so, not a bare "bad port"', async () => {
    const target = 'http://127.0.0.1:9/webhook'
    expect(await cli(['send', target, 'link_viewed', '--secret', SECRET])).toEqual({
      code: 1,
      stdout: '',
      stderr: `inkless-webhooks: cannot reach ${target}: fetch refuses this port (blocked like in browsers): use another one\n`,
    })
  })

  it('an unresolvable host: the URL and ENOTFOUND', async () => {
    // .invalid is reserved (RFC 6761): the lookup fails without a server to ask.
    const target = 'http://nowhere.invalid/webhook'
    expect(await cli(['send', target, 'link_viewed', '--secret', SECRET])).toEqual({
      code: 1,
      stdout: '',
      stderr: `inkless-webhooks: cannot reach ${target}: getaddrinfo ENOTFOUND nowhere.invalid; check the host name\n`,
    })
  })

  it('localhost on a dual-stack machine: the first refusal inside the AggregateError', async () => {
    // Node tries ::1 and 127.0.0.1 and fails with an AggregateError whose message is empty;
    // undici wraps it in "fetch failed". Both built here from a real refused connection.
    const port = await freePort()
    const socket = connect({
      host: 'localhost',
      port,
      autoSelectFamily: true,
      lookup: (_host, _options, done) =>
        done(null, [
          { address: '127.0.0.1', family: 4 },
          { address: '::1', family: 6 },
        ]),
    })
    const [aggregate] = (await once(socket, 'error').catch((e) => [e])) as [AggregateError]
    expect(aggregate).toBeInstanceOf(AggregateError)
    expect(aggregate.message).toBe('')
    expect(networkFailure(new TypeError('fetch failed', { cause: aggregate }))).toBe(
      `connect ECONNREFUSED 127.0.0.1:${port}; is the server running, on that port?`,
    )
  })

  it('a wrong secret: simulate stops at the first 401 instead of retrying', async () => {
    const server = await counting(inklessWebhooks({ secret: SECRET, onError: () => {} }))
    const res = await cli(['simulate', `${server.base}/webhook`, '--secret', 'not-the-secret'])
    server.close()
    expect(res.code).toBe(1)
    expect(res.stdout.split('\n')).toEqual([
      'handshake: pass',
      '401 invalid signature: is --secret the webhook secret configured on the server?',
      'the server answered: 401 invalid signature',
      '',
    ])
    // Only the deliveries already in flight (--concurrency 8 of 22), none of them retried.
    expect(server.attempts.size).toBeGreaterThan(0)
    expect(server.attempts.size).toBeLessThanOrEqual(8)
    expect(Math.max(...server.attempts.values())).toBe(1)
  })

  it('send: the answer on one line, then the hint', async () => {
    const server = await counting(inklessWebhooks({ secret: SECRET, onError: () => {} }))
    const res = await cli(['send', `${server.base}/webhook`, 'document_signed', '--secret', 'nope'])
    server.close()
    expect(res.code).toBe(1)
    const [answer, hint, event, end] = res.stdout.split('\n')
    expect(answer).toMatch(/^401 invalid signature \(\d+\.\d ms\)$/)
    expect(hint).toBe(
      '401 invalid signature: is --secret the webhook secret configured on the server?',
    )
    expect(JSON.parse(event as string)).toMatchObject({ event: 'document_signed' })
    expect(end).toBe('')
  })

  // A static site's multi-line HTML page: its text on one line, cut at 200 characters.
  const page = `<!DOCTYPE html>\n<html>\n  <head><style>p { color: red }</style></head>\n  <body>\n    <h1>Method Not Allowed</h1>\n${'    <p>Only GET here.</p>\n'.repeat(20)}  </body>\n</html>\n`
  const shown = `Method Not Allowed ${'Only GET here. '.repeat(20)}`
  it.each([
    [
      413,
      inklessWebhooks({ secret: SECRET, maxBodyBytes: 64 }),
      '/webhook',
      "413 payload too large: a delivery is over the server's maxBodyBytes",
      '413 payload too large',
    ],
    [
      405,
      ((_req, res) => res.writeHead(405, { allow: 'GET' }).end(page)) as RequestListener,
      '/',
      '405 method not allowed: the URL answers, but not to POST; check its path',
      `405 ${shown.slice(0, 199)}…`,
    ],
    [
      404,
      inklessWebhooks({ secret: SECRET, path: '/webhook' }),
      '/hooks',
      "404 not found: nothing at that path; check the URL's path and the server's path option",
      '404 not found',
    ],
  ])(
    '%i: simulate stops at once with its hint and the answer',
    async (status, listener, path, hint, answer) => {
      const server = await counting(listener)
      const res = await cli(['simulate', `${server.base}${path}`, '--secret', SECRET])
      server.close()
      expect(res.code).toBe(1)
      expect(res.stdout.split('\n')).toEqual([
        `handshake: fail (expected status 200, got ${status})`,
        hint,
        `the server answered: ${answer}`,
        '',
      ])
      expect(server.attempts.size).toBeLessThanOrEqual(8)
      expect(Math.max(...server.attempts.values())).toBe(1)
    },
  )

  it('the library: simulate reports the answer that stopped it; its signal cancels the rest', async () => {
    const wrong = await counting(inklessWebhooks({ secret: SECRET, onError: () => {} }))
    const stopped = await simulate(`${wrong.base}/webhook`, { secret: 'nope', concurrency: 1 })
    wrong.close()
    expect(stopped.stoppedBy).toMatchObject({ status: 401, body: 'invalid signature' })
    expect(stopped.lastFailure).toBe(stopped.stoppedBy)
    expect(stopped.total).toMatchObject({ done: 1, total: 22, failed: 1, retried: 0 })

    const cancel = new AbortController()
    const webhook = inklessWebhooks({ secret: SECRET })
    const server = await counting((req, res) => {
      if (server.attempts.size === 3) cancel.abort()
      webhook(req, res)
    })
    const report = await simulate(`${server.base}/webhook`, {
      secret: SECRET,
      concurrency: 1,
      signal: cancel.signal,
    })
    server.close()
    // The third delivery was cancelled in flight: neither done nor failed.
    expect(report.total).toMatchObject({ done: 2, ok: 2, failed: 0 })
    expect(report).not.toHaveProperty('stoppedBy')
    expect(report).not.toHaveProperty('lastFailure')
  })

  it('409 and 503 are still retried with backoff, as Inkless would', async () => {
    const webhook = inklessWebhooks({ secret: SECRET })
    const server = await counting((req, res) => {
      const attempt = server.attempts.get(req.headers['x-inkless-signature'] as string)
      if (attempt === 1) res.writeHead(409, { 'retry-after': '1' }).end('delivery in progress')
      else if (attempt === 2) res.writeHead(503).end('dedupe store unavailable')
      else webhook(req, res)
    })
    const res = await cli([
      'simulate',
      `${server.base}/webhook`,
      '--secret',
      SECRET,
      '--signers',
      '1',
      '--backoff-ms',
      '1',
    ])
    server.close()
    expect(res.stdout).toMatch(/^all 12 deliveries answered 2xx/m)
    expect(res.code).toBe(0)
    expect([...server.attempts.values()]).toEqual(Array(12).fill(3))
  })

  it('a server that keeps failing: retried, then the last answer on one line', async () => {
    const server = await counting((_req, res) => {
      res.writeHead(500).end('handler failed:\n  TypeError: crm is not defined\n')
    })
    const res = await cli([
      'simulate',
      `${server.base}/webhook`,
      '--secret',
      SECRET,
      '--signers',
      '1',
      '--retries',
      '1',
      '--backoff-ms',
      '1',
    ])
    server.close()
    expect(res.code).toBe(1)
    expect(res.stdout).toMatch(/^handshake: fail \(expected status 200, got 500\)$/m)
    expect(res.stdout.split('\n').at(-2)).toBe(
      '12 deliveries ended without a 2xx; last answer: 500 handler failed: TypeError: crm is not defined',
    )
    expect([...server.attempts.values()]).toEqual(Array(12).fill(2))
  })

  it('a server that goes away mid-run: the network error of the last attempt', async () => {
    const webhook = inklessWebhooks({ secret: SECRET })
    const server = await counting((req, res) => {
      // The handshake passes; the first delivery finds the server gone, connection dropped.
      if (req.headers['x-inkless-signature'] === undefined) webhook(req, res)
      else server.close()
    })
    const res = await cli([
      'simulate',
      `${server.base}/webhook`,
      '--secret',
      SECRET,
      '--signers',
      '1',
      '--retries',
      '1',
      '--backoff-ms',
      '1',
      '--concurrency',
      '1',
    ])
    expect(res.code).toBe(1)
    expect(res.stdout.split('\n').at(-2)).toBe(
      `12 deliveries ended without a 2xx; last error: connect ECONNREFUSED ${server.base.slice(7)}; is the server running, on that port?`,
    )
  })
})

describe('CLI and sendWebhook never follow redirects', () => {
  it('a 307 to plain http on another port is a failure naming the location; nothing reaches it', async () => {
    const reached: string[] = []
    const elsewhere = createServer((req, res) => {
      reached.push(`${req.method} ${req.url} ${req.headers['x-inkless-signature'] ?? ''}`)
      res.end('ok')
    })
    elsewhere.listen(0, '127.0.0.1')
    await once(elsewhere, 'listening')
    const location = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/captured`
    const redirecting = createServer((_req, res) => {
      res.writeHead(307, { location }).end()
    })
    redirecting.listen(0, '127.0.0.1')
    await once(redirecting, 'listening')
    const target = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/webhook`
    try {
      const res = await cli(['send', target, 'document_signed', '--secret', SECRET])
      expect(res.code).toBe(1)
      expect(res.stdout).toContain(`307 redirect to ${location}`)
      expect(res.stdout).toMatch(/not followed/)
      const direct = await sendWebhook(target, createTestEvent('document_signed'), {
        secret: SECRET,
      })
      expect([direct.status, direct.ok, direct.headers.get('location')]).toEqual([
        307,
        false,
        location,
      ])
      const simulated = await cli(['simulate', target, '--secret', SECRET, '--retries', '1'])
      expect(simulated.code).toBe(1)
      expect(simulated.stdout).toContain(`307 redirect to ${location}`)
      expect(reached).toEqual([])
    } finally {
      elsewhere.close()
      redirecting.close()
    }
  })

  it('userinfo in a URL is never echoed', async () => {
    const port = await freePort()
    const target = `http://admin:hunter2@127.0.0.1:${port}/webhook`
    for (const args of [
      ['send', target, 'document_signed', '--secret', SECRET],
      ['handshake', target],
      ['send', 'http://admin:hunter2@[bad/webhook', 'document_signed', '--secret', SECRET],
    ]) {
      const res = await cli(args)
      expect(res.code).not.toBe(0)
      expect(res.stdout + res.stderr).not.toContain('hunter2')
      expect(res.stdout + res.stderr).not.toContain('admin')
    }
  })
})
