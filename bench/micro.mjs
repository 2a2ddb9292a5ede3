// Micro benchmarks in one process: our verifySignature and handle() against the HMAC floor,
// the hand-written reference (Inkless's guide: HMAC + base64 + timingSafeEqual + JSON.parse)
// and peer verifiers; the fetch adapter on node:crypto and on Web Crypto; the Redis store.
// `node bench/micro.mjs [--json] [--rounds N]`
import { spawnSync } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createInklessWebhooks, signPayload, verifySignature } from '@inkless-webhooks/core'
import { createInklessWebhooks as createWebInklessWebhooks } from '@inkless-webhooks/core/web'
import { inklessWebhooks as fetchWebhooks } from '@inkless-webhooks/fetch'
import { redisDedupeStore } from '@inkless-webhooks/redis'
import { verify as octokitVerify } from '@octokit/webhooks-methods'
import { Redis } from 'ioredis'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { fmt, interleaved, machine, table } from './lib.mjs'

const json = process.argv.includes('--json')
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 11
const secret = 'whsec_bench_7c1e0b5d2f9a4e3c'

function documentSigned(bytes, n = 0) {
  const base = {
    event: 'document_signed',
    secure_link_id: 271,
    document_token: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
    timestamp: '2026-03-11T23:25:31Z',
  }
  let body = JSON.stringify({ ...base, secure_link_id: 271 + n })
  if (body.length < bytes) body = JSON.stringify({ ...base, secure_link_id: 271 + n, note: '' })
  body = body.replace('"note":""', `"note":"${'x'.repeat(Math.max(0, bytes - body.length))}"`)
  return body
}

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

async function micro(text, iterations) {
  const body = Buffer.from(text)
  const header = signPayload(body, secret)
  const headers = {
    host: '127.0.0.1:3000',
    'user-agent': 'Inkless-Webhooks/1.0',
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-inkless-signature': header,
    'x-inkless-alg': 'SHA256',
  }
  let handled = 0
  const onDocumentSigned = () => {
    handled++
  }
  const webhooks = createInklessWebhooks({ secret, dedupe: false, onDocumentSigned })
  const web = createWebInklessWebhooks({ secret, dedupe: false, onDocumentSigned })
  const fetchNode = fetchWebhooks({ secret, dedupe: false, onDocumentSigned })
  const fetchWeb = fetchWebhooks(web)
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
  const request = { method: 'POST', url: '/webhook', headers, rawBody: body }
  const webRequest = () =>
    new Request('http://127.0.0.1:3000/webhook', { method: 'POST', headers, body: text })

  const candidates = [
    {
      name: 'HMAC floor (createHmac only)',
      fn: () => createHmac('sha256', secret).update(body).digest(),
    },
    {
      name: 'reference verify (HMAC + base64 + timingSafeEqual)',
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
    {
      name: 'reference + JSON.parse (async fn)',
      async: true,
      fn: async () => reference(body, header) && JSON.parse(body.toString()),
    },
    { name: 'handle() (node:crypto)', async: true, fn: () => webhooks.handle(request) },
    { name: 'handle() (Web Crypto build)', async: true, fn: () => web.handle(request) },
    { name: 'new Request() only', async: true, fn: async () => webRequest() },
    { name: 'fetch adapter, node:crypto', async: true, fn: () => fetchNode(webRequest()) },
    { name: 'fetch adapter, Web Crypto', async: true, fn: () => fetchWeb(webRequest()) },
  ]
  const results = await interleaved(candidates, { rounds, iterations })
  if (handled === 0) throw new Error('no handler ran')
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
const out = { machine: machine(), rounds, sizes: {} }
for (const [label, text, iterations] of [
  ['135 B', small, 20_000],
  ['16 KiB', large, 3_000],
]) {
  const r = await micro(text, iterations)
  out.sizes[label] = Object.fromEntries(r)
}
const storeResults = await stores(3_000)
if (storeResults) out.stores = Object.fromEntries(storeResults)

if (json) {
  console.log(JSON.stringify(out, null, 2))
} else {
  console.log(`# Micro benchmarks\n\n${out.machine}; median of ${rounds} interleaved rounds.\n`)
  for (const [label, r] of Object.entries(out.sizes)) {
    const verifyRef = r['reference verify (HMAC + base64 + timingSafeEqual)']
    const fullRef = r['reference + JSON.parse (async fn)']
    const rows = [['candidate', 'ops/s', '× reference verify', '× reference + parse']]
    for (const [name, ops] of Object.entries(r))
      rows.push([name, fmt(ops), ratio(ops, verifyRef), ratio(ops, fullRef)])
    console.log(`## ${label} document_signed\n\n${table(rows)}\n`)
    console.log(
      `- verifySignature: ${ratio(r.verifySignature, verifyRef)}× the reference verify (target ≥ 1.1)`,
    )
    console.log(
      `- handle(): ${ratio(r['handle() (node:crypto)'], fullRef)}× the reference + JSON.parse (target ≥ 0.9)`,
    )
    console.log(
      `- fetch adapter: ${ratio(r['fetch adapter, node:crypto'], r['handle() (node:crypto)'])}× the node core path; Web Crypto run ${ratio(r['fetch adapter, Web Crypto'], r['fetch adapter, node:crypto'])}× the node:crypto run\n`,
    )
  }
  if (out.stores) {
    const rows = [['store', 'ops/s']]
    for (const [name, ops] of Object.entries(out.stores)) rows.push([name, fmt(ops)])
    const [mem, red] = Object.values(out.stores)
    console.log(
      `## Dedupe stores (135 B, every delivery new, sequential)\n\n${table(rows)}\n\n- Redis store: ${ratio(red, mem)}× the in-memory store (two loopback round trips per delivery)\n`,
    )
  }
}
