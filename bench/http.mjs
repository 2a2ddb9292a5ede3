// HTTP benchmarks on 127.0.0.1: each adapter, with default options (in-memory dedupe on) and
// with dedupe off, against its own framework's hand-written raw-body + HMAC + JSON.parse
// route; the node adapter against @octokit/webhooks' node middleware; the fetch adapter under
// Bun.serve against a hand-written Bun route. Every request carries a distinct body (so
// dedupe never short-cuts one). Servers run in child processes, one at a time; lib.mjs's
// load() drives them from this process. Besides req/s, each server reports its own CPU time
// (process.cpuUsage) per request served: the load generator shares the two cores, so CPU
// per request is the steadier figure.
// `node bench/http.mjs [--json] [--duration S] [--warmup S] [--rounds N] [--only WORD] [--cpu-prof]`
// (--cpu-prof writes each server's profile, Node's or Bun's, to .tmp/cpu-prof)
import { spawn } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { fmt, load, machine, median, table } from './lib.mjs'

const SECRET = 'whsec_bench_http_4f1a'

/** The 135-byte document_signed body, with a distinct 32-hex-digit document_token per `n`. */
const bodyOf = (n) =>
  `{"event":"document_signed","secure_link_id":271,"document_token":"${n.toString(16).padStart(32, '0')}","timestamp":"2026-03-11T23:25:31Z"}`

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

const listen = async (server) => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server.address().port
}

/** Each framework's server around an inkless adapter built from `options`. */
const adapters = {
  async node(options) {
    const { inklessWebhooks } = await import('@inkless-webhooks/node')
    return listen(createServer(inklessWebhooks({ path: '/webhook', ...options })))
  },
  async express(options) {
    const { default: express } = await import('express')
    const { inklessWebhooks } = await import('@inkless-webhooks/express')
    const app = express()
    app.post('/webhook', inklessWebhooks(options))
    return listen(createServer(app))
  },
  async fastify(options) {
    const { default: Fastify } = await import('fastify')
    const { inklessWebhooks } = await import('@inkless-webhooks/fastify')
    const app = Fastify()
    await app.register(inklessWebhooks, { path: '/webhook', ...options })
    await app.ready()
    return listen(app.server)
  },
  async koa(options) {
    const { default: Koa } = await import('koa')
    const { inklessWebhooks } = await import('@inkless-webhooks/koa')
    const app = new Koa()
    app.use(inklessWebhooks({ path: '/webhook', ...options }))
    return listen(createServer(app.callback()))
  },
  async 'hono (fetch adapter)'(options) {
    const { Hono } = await import('hono')
    const { serve } = await import('@hono/node-server')
    const { inklessWebhooks } = await import('@inkless-webhooks/fetch')
    const app = new Hono()
    app.post('/webhook', inklessWebhooks(options))
    return listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }))
  },
  async 'bun (fetch adapter)'(options) {
    const { inklessWebhooks } = await import('@inkless-webhooks/fetch')
    const webhook = inklessWebhooks(options)
    return Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: webhook }).port
  },
}

/** The same frameworks' routes written by hand. */
const handWrittenRoutes = {
  async node() {
    return listen(
      createServer((req, res) => {
        const chunks = []
        req.on('data', (c) => chunks.push(c))
        req.on('end', () => {
          const status = handWritten(Buffer.concat(chunks), req.headers['x-inkless-signature'])
          res
            .writeHead(status, { 'content-type': 'text/plain' })
            .end(status === 200 ? 'ok' : 'invalid')
        })
      }),
    )
  },
  async express() {
    const { default: express } = await import('express')
    const app = express()
    app.post('/webhook', express.raw({ type: '*/*' }), (req, res) => {
      const status = handWritten(req.body, req.get('x-inkless-signature'))
      res
        .status(status)
        .type('text/plain')
        .send(status === 200 ? 'ok' : 'invalid')
    })
    return listen(createServer(app))
  },
  async fastify() {
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
    return listen(app.server)
  },
  async koa() {
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
    return listen(createServer(app.callback()))
  },
  async hono() {
    const { Hono } = await import('hono')
    const { serve } = await import('@hono/node-server')
    const app = new Hono()
    app.post('/webhook', async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer())
      const status = handWritten(raw, c.req.header('x-inkless-signature'))
      return c.text(status === 200 ? 'ok' : 'invalid', status)
    })
    return listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }))
  },
  async bun() {
    return Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(request) {
        const raw = Buffer.from(await request.arrayBuffer())
        const status = handWritten(raw, request.headers.get('x-inkless-signature'))
        return new Response(status === 200 ? 'ok' : 'invalid', {
          status,
          headers: { 'content-type': 'text/plain' },
        })
      },
    }).port
  },
}

const options = { secret: SECRET, onDocumentSigned }
const DEDUPE_OFF = ', dedupe off'
const servers = {
  async 'node @octokit/webhooks middleware'() {
    const { Webhooks, createNodeMiddleware } = await import('@octokit/webhooks')
    const webhooks = new Webhooks({ secret: SECRET })
    webhooks.onAny(onDocumentSigned)
    return listen(createServer(createNodeMiddleware(webhooks, { path: '/webhook' })))
  },
}
for (const [framework, start] of Object.entries(adapters)) {
  const name = framework.includes('adapter') ? framework : `${framework} adapter`
  servers[name] = () => start(options)
  servers[name + DEDUPE_OFF] = () => start({ ...options, dedupe: false })
}
for (const [framework, start] of Object.entries(handWrittenRoutes))
  servers[`${framework} hand-written`] = start

if (process.argv[2] === '--serve') {
  // Answers the parent over stdin/stdout (the same under Node and Bun): the port, then the
  // CPU time and handler calls between 'start' and 'stop'. Exits when stdin closes, so
  // --cpu-prof gets to write its profile.
  const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`)
  reply({ port: await servers[process.argv[3]]() })
  let since
  createInterface({ input: process.stdin })
    .on('line', (command) => {
      if (command === 'start') {
        since = { cpu: process.cpuUsage(), handled }
        reply({})
      } else if (command === 'stop') {
        const { user, system } = process.cpuUsage(since.cpu)
        reply({ handled: handled - since.handled, cpuMicros: user + system })
      }
    })
    .on('close', () => process.exit(0))
} else {
  await main()
}

// ---- load generator (parent) -----------------------------------------------------------

async function main() {
  const json = process.argv.includes('--json')
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name)
    return i === -1 ? fallback : process.argv[i + 1]
  }
  const duration = Number(arg('--duration', 2))
  const warmup = Number(arg('--warmup', 0.5))
  const rounds = Number(arg('--rounds', 3))
  const only = arg('--only', '')
  const cpuProf = process.argv.includes('--cpu-prof')
  const bun = fileURLToPath(new URL('../node_modules/.bin/bun', import.meta.url))
  const here = fileURLToPath(import.meta.url)

  let sequence = 0
  const hmac = (body, encoding) => createHmac('sha256', SECRET).update(body).digest(encoding)
  const inkless = (body) => ({
    'content-type': 'application/json',
    'x-inkless-signature': hmac(body, 'base64'),
    'x-inkless-alg': 'SHA256',
  })
  const octokit = (body) => ({
    'content-type': 'application/json',
    'x-github-event': 'ping',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': `sha256=${hmac(body, 'hex')}`,
  })

  async function measure(name) {
    const command = name.startsWith('bun ') ? bun : process.execPath
    const flags = cpuProf
      ? [
          '--cpu-prof',
          '--cpu-prof-dir=.tmp/cpu-prof',
          `--cpu-prof-name=${name.replace(/\W+/g, '-')}.cpuprofile`,
        ]
      : []
    const child = spawn(command, [...flags, here, '--serve', name], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    const ask = async (message) => {
      if (message) child.stdin.write(`${message}\n`)
      const { value, done } = await replies.next()
      if (done) throw new Error(`${name}: the server exited`)
      return JSON.parse(value)
    }
    try {
      const { port } = await ask()
      const signed = name.includes('octokit') ? octokit : inkless
      const run = (seconds) =>
        load({
          port,
          connections: 32,
          seconds,
          next: () => {
            const body = bodyOf(sequence++)
            return { method: 'POST', path: '/webhook', headers: signed(body), body }
          },
        })
      await run(warmup)
      await ask('start')
      const result = await run(duration)
      const { handled: calls, cpuMicros } = await ask('stop')
      const ok = Object.entries(result.statuses)
        .filter(([status]) => status.startsWith('2'))
        .reduce((sum, [, n]) => sum + n, 0)
      const non2xx = result.answered - ok + result.errors
      // Every body is distinct, so every 2xx must have run the handler (no dedupe short-cut).
      if (calls < ok)
        throw new Error(`${name}: the handler ran ${calls} times for ${ok} 2xx answers`)
      return { rps: result.rps, cpu: cpuMicros / result.answered, non2xx }
    } finally {
      child.stdin.end()
      const timer = setTimeout(() => child.kill(), 5_000)
      if (child.exitCode === null) await once(child, 'exit')
      clearTimeout(timer)
    }
  }

  const pairs = [
    ['node adapter', 'node hand-written'],
    ['node adapter', 'node @octokit/webhooks middleware'],
    ['express adapter', 'express hand-written'],
    ['fastify adapter', 'fastify hand-written'],
    ['koa adapter', 'koa hand-written'],
    ['hono (fetch adapter)', 'hono hand-written'],
    ['bun (fetch adapter)', 'bun hand-written'],
  ]
    .filter(([candidate]) => candidate.includes(only))
    .flatMap(([candidate, baseline]) => [
      [candidate, baseline],
      [candidate + DEDUPE_OFF, baseline],
    ])
  const names = [...new Set(pairs.flat())]
  const samples = new Map(names.map((n) => [n, { rps: [], cpu: [], non2xx: 0 }]))
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round so neither side of a pair always runs first.
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) {
      const { rps, cpu, non2xx } = await measure(name)
      const s = samples.get(name)
      s.rps.push(rps)
      s.cpu.push(cpu)
      s.non2xx += non2xx
    }
  }
  const figures = Object.fromEntries(
    [...samples].map(([n, s]) => [n, { rps: median(s.rps), cpuMicros: median(s.cpu) }]),
  )
  const result = {
    machine: machine(),
    settings: {
      duration,
      warmup,
      rounds,
      connections: 32,
      body: '135 B document_signed, distinct per request',
    },
    servers: figures,
    non2xx: Object.fromEntries([...samples].map(([n, s]) => [n, s.non2xx])),
    ratios: pairs.map(([candidate, baseline]) => ({
      candidate,
      baseline,
      rps: figures[candidate].rps / figures[baseline].rps,
      // Baseline CPU per request over the candidate's: above 1, the adapter spends less.
      cpuEfficiency: figures[baseline].cpuMicros / figures[candidate].cpuMicros,
    })),
  }
  if (json) {
    console.log(JSON.stringify(result, null, 2))
    return
  }
  const rows = [
    ['candidate', 'baseline', 'req/s', 'req/s ratio', 'CPU µs/request', 'CPU efficiency'],
  ]
  for (const { candidate, baseline, rps, cpuEfficiency } of result.ratios) {
    const c = figures[candidate]
    const b = figures[baseline]
    rows.push([
      candidate,
      baseline,
      `${fmt(c.rps)} / ${fmt(b.rps)}`,
      rps.toFixed(2),
      `${c.cpuMicros.toFixed(1)} / ${b.cpuMicros.toFixed(1)}`,
      cpuEfficiency.toFixed(2),
    ])
  }
  console.log(
    `# HTTP benchmarks\n\n${result.machine}; 32 keep-alive connections, ${duration} s per run after a ${warmup} s warm-up, median of ${rounds} rounds, ${result.settings.body}. Adapters with default options (in-memory dedupe on), then with dedupe off; baselines are hand-written raw-body + HMAC + JSON.parse routes on the same framework. req/s and CPU µs/request (the server's own CPU time per request) read candidate / baseline; CPU efficiency is baseline ÷ candidate CPU per request (above 1: the adapter spends less).\n\n${table(rows)}\n\nnon-2xx answers: ${JSON.stringify(result.non2xx)}\n`,
  )
}
