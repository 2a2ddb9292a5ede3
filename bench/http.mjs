// HTTP benchmarks on 127.0.0.1: each adapter against its own framework's hand-written
// raw-body + HMAC route, and the node adapter against @octokit/webhooks' node middleware.
// Servers run in child processes (one at a time); autocannon loads them from this process.
// `node bench/http.mjs [--json] [--duration S] [--rounds N]`
import { fork } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { fmt, machine, median, table } from './lib.mjs'

const SECRET = 'whsec_bench_http_4f1a'
const BODY = JSON.stringify({
  event: 'document_signed',
  secure_link_id: 271,
  document_token: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
  timestamp: '2026-03-11T23:25:31Z',
})

// ---- servers (child role) -------------------------------------------------------------

let handled = 0
const onDocumentSigned = () => {
  handled++
}

/** The guide's approach, written by hand: HMAC, base64, timingSafeEqual, JSON.parse. */
function handWritten(raw, signature) {
  const computed = createHmac('sha256', SECRET).update(raw).digest('base64')
  let valid = false
  try {
    valid =
      typeof signature === 'string' &&
      timingSafeEqual(Buffer.from(computed), Buffer.from(signature))
  } catch {}
  if (!valid) return 401
  const event = JSON.parse(raw.toString())
  if (event.event === 'document_signed') onDocumentSigned(event)
  return 200
}

const options = { secret: SECRET, dedupe: false, onDocumentSigned }

const servers = {
  async 'node adapter'() {
    const { inklessWebhooks } = await import('@inkless-webhooks/node')
    return createServer(inklessWebhooks({ path: '/webhook', ...options }))
  },
  async 'node hand-written'() {
    return createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        const status = handWritten(Buffer.concat(chunks), req.headers['x-inkless-signature'])
        res
          .writeHead(status, { 'content-type': 'text/plain' })
          .end(status === 200 ? 'ok' : 'invalid')
      })
    })
  },
  async 'node @octokit/webhooks middleware'() {
    const { Webhooks, createNodeMiddleware } = await import('@octokit/webhooks')
    const webhooks = new Webhooks({ secret: SECRET })
    webhooks.onAny(onDocumentSigned)
    return createServer(createNodeMiddleware(webhooks, { path: '/webhook' }))
  },
  async 'express adapter'() {
    const { default: express } = await import('express')
    const { inklessWebhooks } = await import('@inkless-webhooks/express')
    const app = express()
    app.post('/webhook', inklessWebhooks(options))
    return createServer(app)
  },
  async 'express hand-written'() {
    const { default: express } = await import('express')
    const app = express()
    app.post('/webhook', express.raw({ type: '*/*' }), (req, res) => {
      const status = handWritten(req.body, req.get('x-inkless-signature'))
      res
        .status(status)
        .type('text/plain')
        .send(status === 200 ? 'ok' : 'invalid')
    })
    return createServer(app)
  },
  async 'fastify adapter'() {
    const { default: Fastify } = await import('fastify')
    const { inklessWebhooks } = await import('@inkless-webhooks/fastify')
    const app = Fastify()
    await app.register(inklessWebhooks, { path: '/webhook', ...options })
    await app.ready()
    return app.server
  },
  async 'fastify hand-written'() {
    const { default: Fastify } = await import('fastify')
    const app = Fastify()
    await app.register(async (child) => {
      child.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
        done(null, body),
      )
      child.post('/webhook', async (request, reply) => {
        const status = handWritten(request.body, request.headers['x-inkless-signature'])
        return reply
          .code(status)
          .type('text/plain')
          .send(status === 200 ? 'ok' : 'invalid')
      })
    })
    await app.ready()
    return app.server
  },
  async 'koa adapter'() {
    const { default: Koa } = await import('koa')
    const { inklessWebhooks } = await import('@inkless-webhooks/koa')
    const app = new Koa()
    app.use(inklessWebhooks({ path: '/webhook', ...options }))
    return createServer(app.callback())
  },
  async 'koa hand-written'() {
    const { default: Koa } = await import('koa')
    const app = new Koa()
    app.use(async (ctx) => {
      if (ctx.path !== '/webhook' || ctx.method !== 'POST') return
      const chunks = []
      for await (const chunk of ctx.req) chunks.push(chunk)
      const status = handWritten(Buffer.concat(chunks), ctx.get('x-inkless-signature'))
      ctx.status = status
      ctx.type = 'text/plain'
      ctx.body = status === 200 ? 'ok' : 'invalid'
    })
    return createServer(app.callback())
  },
  async 'hono (fetch adapter)'() {
    const { Hono } = await import('hono')
    const { serve } = await import('@hono/node-server')
    const { inklessWebhooks } = await import('@inkless-webhooks/fetch')
    const webhook = inklessWebhooks(options)
    const app = new Hono()
    app.post('/webhook', (c) => webhook(c.req.raw))
    return serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  },
  async 'hono hand-written'() {
    const { Hono } = await import('hono')
    const { serve } = await import('@hono/node-server')
    const app = new Hono()
    app.post('/webhook', async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer())
      const status = handWritten(raw, c.req.header('x-inkless-signature'))
      return c.text(status === 200 ? 'ok' : 'invalid', status)
    })
    return serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  },
}

if (process.argv[2] === '--serve') {
  const server = await servers[process.argv[3]]()
  if (!server.listening) server.listen(0, '127.0.0.1')
  if (!server.listening) await once(server, 'listening')
  process.send({ port: server.address().port })
  process.on('message', (m) => {
    if (m === 'count') process.send({ handled })
  })
} else {
  await main()
}

// ---- load generator (parent) -----------------------------------------------------------

async function main() {
  const { default: autocannon } = await import('autocannon')
  const json = process.argv.includes('--json')
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name)
    return i === -1 ? fallback : Number(process.argv[i + 1])
  }
  const duration = arg('--duration', 4)
  const rounds = arg('--rounds', 3)
  const signature = createHmac('sha256', SECRET).update(BODY).digest('base64')
  const inklessHeaders = {
    'content-type': 'application/json',
    'x-inkless-signature': signature,
    'x-inkless-alg': 'SHA256',
  }
  const octokitHeaders = {
    'content-type': 'application/json',
    'x-github-event': 'ping',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`,
  }

  async function measure(name) {
    const child = fork(fileURLToPath(import.meta.url), ['--serve', name], { stdio: 'inherit' })
    try {
      const [{ port }] = await once(child, 'message')
      const headers = name.includes('octokit') ? octokitHeaders : inklessHeaders
      const run = (seconds) =>
        autocannon({
          url: `http://127.0.0.1:${port}/webhook`,
          method: 'POST',
          headers,
          body: BODY,
          connections: 32,
          pipelining: 1,
          duration: seconds,
        })
      await run(1) // warm-up
      const result = await run(duration)
      child.send('count')
      const [{ handled: calls }] = await once(child, 'message')
      const non2xx = result.non2xx + result.errors + result.timeouts
      if (calls < result.requests.total - non2xx)
        throw new Error(
          `${name}: the handler ran ${calls} times for ${result.requests.total} requests`,
        )
      return { rps: result.requests.average, non2xx }
    } finally {
      child.kill()
    }
  }

  const pairs = [
    ['node adapter', 'node hand-written'],
    ['node adapter', 'node @octokit/webhooks middleware'],
    ['express adapter', 'express hand-written'],
    ['fastify adapter', 'fastify hand-written'],
    ['koa adapter', 'koa hand-written'],
    ['hono (fetch adapter)', 'hono hand-written'],
  ]
  const names = [...new Set(pairs.flat())]
  const samples = new Map(names.map((n) => [n, []]))
  const errors = new Map(names.map((n) => [n, 0]))
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round so neither side of a pair always runs first.
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) {
      const { rps, non2xx } = await measure(name)
      samples.get(name).push(rps)
      errors.set(name, errors.get(name) + non2xx)
    }
  }
  const rps = new Map([...samples].map(([n, s]) => [n, median(s)]))
  const result = {
    machine: machine(),
    settings: {
      duration,
      rounds,
      connections: 32,
      body: `${Buffer.byteLength(BODY)} B document_signed`,
      dedupe: false,
    },
    rps: Object.fromEntries(rps),
    non2xx: Object.fromEntries(errors),
    ratios: pairs.map(([a, b]) => ({ candidate: a, baseline: b, ratio: rps.get(a) / rps.get(b) })),
  }
  if (json) {
    console.log(JSON.stringify(result, null, 2))
    return
  }
  const rows = [['candidate', 'baseline', 'candidate req/s', 'baseline req/s', 'ratio']]
  for (const { candidate, baseline, ratio } of result.ratios) {
    rows.push([
      candidate,
      baseline,
      fmt(rps.get(candidate)),
      fmt(rps.get(baseline)),
      ratio.toFixed(2),
    ])
  }
  console.log(
    `# HTTP benchmarks\n\n${result.machine}; autocannon, 32 connections, ${duration} s per run after a 1 s warm-up, median of ${rounds} rounds, ${result.settings.body}, adapters with dedupe off (every request runs the handler).\n\n${table(rows)}\n\nnon-2xx answers: ${JSON.stringify(result.non2xx)}\n`,
  )
}
