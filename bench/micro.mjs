// Micro benchmarks in one process: our verifySignature and handle() against the HMAC floor,
// the hand-written reference (Inkless's guide: HMAC + base64 + timingSafeEqual + JSON.parse)
// and peer verifiers; the fetch adapter on node:crypto and on Web Crypto; the Redis store.
// `node bench/micro.mjs [--json] [--rounds N]`
import { spawnSync } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Readable } from 'node:stream'
import { createInklessWebhooks, signPayload, verifySignature } from '@inkless-webhooks/core'
import { createInklessWebhooks as createWebInklessWebhooks } from '@inkless-webhooks/core/web'
import { inklessWebhooks as fetchWebhooks } from '@inkless-webhooks/fetch'
import { toInklessRequest } from '@inkless-webhooks/node/adapter'
import { redisDedupeStore } from '@inkless-webhooks/redis'
import { verify as octokitVerify } from '@octokit/webhooks-methods'
import { Redis } from 'ioredis'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { fmt, interleaved, machine, table } from './lib.mjs'
import { readWithRawBody } from './raw-body-reader.mjs'

const json = process.argv.includes('--json')
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 9
const secret = 'whsec_bench_7c1e0b5d2f9a4e3c'

/** A document_signed body of `bytes` bytes whose 32-hex-digit document_token is `n`. */
function documentSigned(bytes, n = 0) {
  const base = {
    event: 'document_signed',
    secure_link_id: 271,
    document_token: n.toString(16).padStart(32, '0'),
    timestamp: '2026-03-11T23:25:31Z',
  }
  let body = JSON.stringify(base)
  if (body.length < bytes) body = JSON.stringify({ ...base, note: '' })
  body = body.replace('"note":""', `"note":"${'x'.repeat(Math.max(0, bytes - body.length))}"`)
  return body
}

const REFERENCE_VERIFY = 'reference verify (HMAC + base64 + timingSafeEqual)'
const REFERENCE_PARSE = 'reference verify + JSON.parse (async fn)'
const GUIDE = "the guide's advice by hand (+ 100 KiB limit, bounded Map of seen pairs)"
const HANDLE = 'handle(), default options'
const FETCH = 'fetch adapter, node:crypto'
const RAW_BODY = 'handle(), a Node stream read by raw-body'
const CORE_READER = "handle(), a Node stream read by core's reader (the node adapter)"

const small = documentSigned(135)
const large = documentSigned(16 * 1024)
if (Buffer.byteLength(small) !== 135 || Buffer.byteLength(large) !== 16 * 1024)
  throw new Error('body sizes')

const reference = (body, header) => {
  const computed = createHmac('sha256', secret).update(body).digest('base64')
  let ok = false
  try {
    ok = timingSafeEqual(Buffer.from(computed), Buffer.from(header))
  } catch {}
  return ok
}

/**
 * `count` distinct signed deliveries of `bytes` bytes (secure_link_id varies, so each is a
 * first delivery for a dedupe store), built before any timing.
 */
function deliveriesOf(bytes, count) {
  return Array.from({ length: count }, (_, n) => {
    const rawBody = Buffer.from(documentSigned(bytes, n))
    if (rawBody.length !== bytes) throw new Error('body size')
    return { rawBody, signature: signPayload(rawBody, secret) }
  })
}

const LIMIT = 100 * 1024

/**
 * Inkless's guide followed by hand: a 100 KiB limit, HMAC + base64 + timingSafeEqual,
 * JSON.parse, and the (event, document_token) pair remembered in a Map bounded at 50,000
 * entries to skip duplicates.
 */
function guideByHand(onDocumentSigned) {
  const seen = new Map()
  return async (body, header) => {
    if (body.length > LIMIT) return 413
    if (!reference(body, header)) return 401
    const event = JSON.parse(body.toString())
    const key = `${event.event}\n${event.document_token}`
    if (seen.has(key)) return 200
    if (event.event === 'document_signed') await onDocumentSigned(event)
    seen.set(key, true)
    if (seen.size > 50_000) seen.delete(seen.keys().next().value)
    return 200
  }
}

async function micro(text, iterations) {
  const body = Buffer.from(text)
  const header = signPayload(body, secret)
  const headersOf = (signature, length) => ({
    host: '127.0.0.1:3000',
    'user-agent': 'Inkless-Webhooks/1.0',
    'content-type': 'application/json',
    'content-length': String(length),
    'x-inkless-signature': signature,
    'x-inkless-alg': 'SHA256',
  })
  let handled = 0
  const onDocumentSigned = () => {
    handled++
  }
  const octokitHeader = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
  const stripe = new Stripe('sk_test_bench')
  const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload: text, secret })
  const standard = new StandardWebhook(Buffer.from(secret).toString('base64'))
  const standardHeaders = {
    'webhook-id': 'msg_bench',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
  }
  standardHeaders['webhook-signature'] = standard.sign(
    'msg_bench',
    new Date(Number(standardHeaders['webhook-timestamp']) * 1000),
    text,
  )

  // Verifiers keep no state: one body serves them. Everything that parses or remembers gets
  // a distinct delivery per call and a fresh request object, as a server would.
  const deliveries = deliveriesOf(body.length, iterations * rounds + Math.min(iterations, 2000))
  const unique = (name, run) => {
    let next = 0
    return { name, async: true, fn: () => run(deliveries[next++]) }
  }
  const requestOf = ({ rawBody, signature }) => ({
    method: 'POST',
    url: '/webhook',
    headers: headersOf(signature, rawBody.length),
    rawBody,
  })
  const webRequestOf = ({ rawBody, signature }) =>
    new Request('http://127.0.0.1:3000/webhook', {
      method: 'POST',
      headers: headersOf(signature, rawBody.length),
      body: rawBody,
    })
  const defaults = createInklessWebhooks({ secret, onDocumentSigned })
  const dedupeOff = createInklessWebhooks({ secret, dedupe: false, onDocumentSigned })
  const web = createWebInklessWebhooks({ secret, onDocumentSigned })
  const fetchNode = fetchWebhooks({ secret, onDocumentSigned })
  const fetchWeb = fetchWebhooks(createWebInklessWebhooks({ secret, onDocumentSigned }))
  const guide = guideByHand(onDocumentSigned)
  // A Node request stream whose body has arrived, as node:http hands over a small one.
  const streamOf = (d) => {
    const { method, url, headers } = requestOf(d)
    const req = Object.assign(new Readable({ read() {} }), { method, url, headers })
    req.push(d.rawBody)
    req.push(null)
    return req
  }
  const rawBodyRead = createInklessWebhooks({ secret, onDocumentSigned })
  const coreRead = createInklessWebhooks({ secret, onDocumentSigned })

  const candidates = [
    {
      name: 'HMAC floor (createHmac only)',
      fn: () => createHmac('sha256', secret).update(body).digest(),
    },
    {
      name: REFERENCE_VERIFY,
      fn: () => reference(body, header),
    },
    { name: 'verifySignature', fn: () => verifySignature(body, header, secret) },
    {
      name: '@octokit/webhooks-methods verify',
      async: true,
      fn: () => octokitVerify(secret, text, octokitHeader),
    },
    {
      name: 'stripe webhooks.constructEvent',
      fn: () => stripe.webhooks.constructEvent(text, stripeHeader, secret),
    },
    { name: 'standardwebhooks verify', fn: () => standard.verify(text, standardHeaders) },
    unique(REFERENCE_PARSE, async ({ rawBody, signature }) => {
      if (!reference(rawBody, signature)) throw new Error('reference rejected a valid body')
      return onDocumentSigned(JSON.parse(rawBody.toString()))
    }),
    unique(GUIDE, ({ rawBody, signature }) => guide(rawBody, signature)),
    unique(HANDLE, (d) => defaults.handle(requestOf(d))),
    unique('handle(), dedupe off', (d) => dedupeOff.handle(requestOf(d))),
    unique('handle(), Web Crypto build', (d) => web.handle(requestOf(d))),
    unique('new Request() only', async (d) => webRequestOf(d)),
    unique(FETCH, (d) => fetchNode(webRequestOf(d))),
    unique('fetch adapter, Web Crypto', (d) => fetchWeb(webRequestOf(d))),
    unique(RAW_BODY, (d) => {
      const req = streamOf(d)
      const { method, url, headers } = req
      return rawBodyRead.handle({ method, url, headers, rawBody: readWithRawBody(req) })
    }),
    unique(CORE_READER, (d) => coreRead.handle(toInklessRequest(streamOf(d), 'unused'))),
  ]
  const before = handled
  const results = await interleaved(candidates, { rounds, iterations })
  // Every candidate that parses ran the handler once per call: none short-cut a delivery.
  const calls = (iterations * rounds + Math.min(iterations, 2000)) * 9
  if (handled - before !== calls) throw new Error(`handlers ran ${handled - before}× for ${calls}`)
  return results
}

/** handle() with the default in-memory store against the Redis store: every delivery new. */
async function stores(iterations) {
  const server = spawnSync('redis-server', ['--version'])
  if (server.error) return undefined
  const { spawn } = await import('node:child_process')
  const port = 6390 + Math.floor(Math.random() * 500)
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const client = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: true })
  try {
    await client.ping()
    const total = iterations * (rounds + 1) + 2000
    const deliveries = Array.from({ length: total }, (_, n) => {
      const text = documentSigned(135, n)
      return {
        method: 'POST',
        url: '/webhook',
        headers: { 'x-inkless-signature': signPayload(text, secret) },
        rawBody: Buffer.from(text),
      }
    })
    const memory = createInklessWebhooks({ secret, onEvent: () => {} })
    const redis = createInklessWebhooks({
      secret,
      onEvent: () => {},
      dedupe: redisDedupeStore(client, { prefix: `bench:${Date.now()}:` }),
    })
    let m = 0
    let r = 0
    return await interleaved(
      [
        {
          name: 'handle(), in-memory dedupe store',
          async: true,
          fn: () => memory.handle(deliveries[m++ % total]),
        },
        {
          name: 'handle(), Redis dedupe store (loopback)',
          async: true,
          fn: () => redis.handle(deliveries[r++ % total]),
        },
      ],
      { rounds, iterations },
    )
  } finally {
    client.disconnect()
    child.kill()
  }
}

const ratio = (a, b) => (a / b).toFixed(2)
const verdict = (figure, target) =>
  `${figure.toFixed(2)}× (target ≥ ${target}: ${figure >= target ? 'met' : 'missed'})`
const out = { machine: machine(), rounds, sizes: {} }
for (const [label, text, iterations] of [
  ['135 B', small, 6_000],
  ['16 KiB', large, 400],
]) {
  const r = await micro(text, iterations)
  out.sizes[label] = Object.fromEntries(r)
}
const storeResults = await stores(3_000)
if (storeResults) out.stores = Object.fromEntries(storeResults)

if (json) {
  console.log(JSON.stringify(out, null, 2))
} else {
  console.log(
    `# Micro benchmarks\n\n${out.machine}; median of ${rounds} interleaved rounds, one process. The verifiers (first six rows) check one body over and over; every row from the reference verify + JSON.parse down gets a distinct signed delivery and a fresh request object per call, and \`handle()\`, the Web Crypto build and the fetch adapter run with their default options (in-memory dedupe on) unless the row says otherwise.\n`,
  )
  for (const [label, r] of Object.entries(out.sizes)) {
    const verifyRef = r[REFERENCE_VERIFY]
    const fullRef = r[REFERENCE_PARSE]
    const rows = [['candidate', 'ops/s', '× reference verify', '× reference + parse']]
    for (const [name, ops] of Object.entries(r))
      rows.push([name, fmt(ops), ratio(ops, verifyRef), ratio(ops, fullRef)])
    console.log(`## ${label} document_signed\n\n${table(rows)}\n`)
    console.log(
      `- verifySignature ÷ the reference verify: ${verdict(r.verifySignature / verifyRef, 1.1)}`,
    )
    console.log(
      `- handle() ÷ the reference verify + JSON.parse: ${verdict(r[HANDLE] / fullRef, 0.9)}`,
    )
    console.log(
      `- handle() ÷ the guide's advice by hand: ${ratio(r[HANDLE], r[GUIDE])}× (the target against it is over HTTP)`,
    )
    console.log(
      `- fetch adapter: ${ratio(r[FETCH], r[HANDLE])}× \`handle()\` (the cost of the Web Request around it); Web Crypto run ${ratio(r['fetch adapter, Web Crypto'], r[FETCH])}× the node:crypto run`,
    )
    console.log(
      `- a Node stream read by raw-body: ${ratio(r[RAW_BODY], r[CORE_READER])}× core's own reader, the node adapter's (no target: raw-body would be used if it cost no more)\n`,
    )
  }
  if (out.stores) {
    const rows = [['store', 'ops/s']]
    for (const [name, ops] of Object.entries(out.stores)) rows.push([name, fmt(ops)])
    const [mem, red] = Object.values(out.stores)
    console.log(
      `## Dedupe stores (135 B, every delivery new, sequential)\n\n\`handle()\` with default options but the store; median of ${rounds} interleaved rounds of 3,000.\n\n${table(rows)}\n\n- Redis store: ${ratio(red, mem)}× the in-memory store (two loopback round trips per delivery)\n`,
    )
  }
}
