// HTTP benchmarks on 127.0.0.1: each adapter with default options (in-memory dedupe on)
// against two routes written by hand on the same framework: the bare one (raw body, HMAC,
// JSON.parse) and the guide's advice (the same plus a 100 KiB limit and a bounded Map of the
// (event, document_token) pairs seen, to skip duplicates); the node adapter against
// @octokit/webhooks' node middleware; the fetch adapter under Bun.serve, Deno.serve and
// workerd (miniflare) against a hand-written route in the same runtime (Web Crypto on Deno
// and workerd). Every request carries a distinct body (so dedupe never short-cuts one).
// Servers run in child processes, one at a time; lib.mjs's load() drives them from this
// process. Besides req/s, each server reports its own CPU time per request served (workerd's
// process included): the load generator shares the two cores, so CPU per request is the
// steadier figure.
// `node bench/http.mjs [--json] [--duration S] [--warmup S] [--rounds N] [--only WORD] [--cpu-prof]`
// (--cpu-prof writes each Node or Bun server's profile to .tmp/cpu-prof)
import { execFile, spawn } from 'node:child_process'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { fmt, load, machine, median, table } from './lib.mjs'

const SECRET = 'whsec_bench_http_4f1a'
const LIMIT = 100 * 1024
const root = fileURLToPath(new URL('..', import.meta.url))
const BUN = join(root, 'node_modules/bun-runtime/bin/bun.exe')
const DENO = join(root, 'node_modules/deno/deno')

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

/**
 * The guide's advice by hand, after the route's own 100 KiB limit: verify, parse, and skip a
 * delivery whose (event, document_token) pair was seen, in a Map bounded at 50,000 entries.
 */
const seen = new Map()
function guide(raw, signature) {
  const computed = createHmac('sha256', SECRET).update(raw).digest('base64')
  let valid = false
  try {
    valid =
      typeof signature === 'string' &&
      timingSafeEqual(Buffer.from(computed), Buffer.from(signature))
  } catch {}
  if (!valid) return 401
  const event = JSON.parse(raw.toString())
  const key = `${event.event}\n${event.document_token}`
  if (seen.has(key)) return 200
  if (event.event === 'document_signed') onDocumentSigned(event)
  seen.set(key, true)
  if (seen.size > 50_000) seen.delete(seen.keys().next().value)
  return 200
}

/** A node:http body of at most LIMIT bytes, or undefined (answered 413) past it. */
async function limitedBody(req, res) {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > LIMIT) {
      res.writeHead(413, { connection: 'close' }).end('too large')
      return undefined
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
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
  /**
   * The node adapter's work with the body read by raw-body instead of core's own reader (the
   * adapter's): without the adapter's path match and logger lookup, so it favours raw-body
   * slightly.
   */
  async 'node adapter, body read by raw-body'(options) {
    const { createInklessWebhooks } = await import('@inkless-webhooks/core')
    const { writeResponse } = await import('@inkless-webhooks/node/adapter')
    const { readWithRawBody } = await import('./raw-body-reader.mjs')
    const webhooks = createInklessWebhooks(options)
    return listen(
      createServer(async (req, res) => {
        const { method, url, headers } = req
        const request = { method, url, headers, rawBody: readWithRawBody(req) }
        writeResponse(req, res, await webhooks.handle(request), webhooks.limits)
      }),
    )
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
    await app.register(inklessWebhooks({ path: '/webhook', ...options }))
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

/** The guide's advice by hand on each framework, with its own way to bound the body. */
const guideRoutes = {
  async node() {
    return listen(
      createServer(async (req, res) => {
        const raw = await limitedBody(req, res)
        if (raw === undefined) return
        const status = guide(raw, req.headers['x-inkless-signature'])
        res
          .writeHead(status, { 'content-type': 'text/plain' })
          .end(status === 200 ? 'ok' : 'invalid')
      }),
    )
  },
  async express() {
    const { default: express } = await import('express')
    const app = express()
    app.post('/webhook', express.raw({ type: '*/*', limit: LIMIT }), (req, res) => {
      const status = guide(req.body, req.get('x-inkless-signature'))
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
      child.post('/webhook', { bodyLimit: LIMIT }, async (request, reply) => {
        const status = guide(request.body, request.headers['x-inkless-signature'])
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
      let size = 0
      for await (const chunk of ctx.req) {
        size += chunk.length
        if (size > LIMIT) ctx.throw(413)
        chunks.push(chunk)
      }
      const status = guide(Buffer.concat(chunks), ctx.get('x-inkless-signature'))
      ctx.status = status
      ctx.type = 'text/plain'
      ctx.body = status === 200 ? 'ok' : 'invalid'
    })
    return listen(createServer(app.callback()))
  },
  async hono() {
    const { Hono } = await import('hono')
    const { bodyLimit } = await import('hono/body-limit')
    const { serve } = await import('@hono/node-server')
    const app = new Hono()
    app.post('/webhook', bodyLimit({ maxSize: LIMIT }), async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer())
      const status = guide(raw, c.req.header('x-inkless-signature'))
      return c.text(status === 200 ? 'ok' : 'invalid', status)
    })
    return listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }))
  },
  async bun() {
    return Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      maxRequestBodySize: LIMIT,
      async fetch(request) {
        const raw = Buffer.from(await request.arrayBuffer())
        const status = guide(raw, request.headers.get('x-inkless-signature'))
        return new Response(status === 200 ? 'ok' : 'invalid', {
          status,
          headers: { 'content-type': 'text/plain' },
        })
      },
    }).port
  },
}

/** Deno.serve around one of bench/web-routes.mjs's routes. */
async function denoServe(routeName) {
  const routes = await import('./web-routes.mjs')
  const server = Deno.serve(
    { port: 0, hostname: '127.0.0.1', onListen() {} },
    routes[routeName](SECRET, onDocumentSigned),
  )
  return server.addr.port
}

/**
 * workerd through miniflare, serving bench/worker.mjs bundled as wrangler bundles it (export
 * conditions workerd, then browser). Its handler count is read over HTTP, and its CPU time
 * from /proc, as workerd is this process's child.
 */
let workerdHandled
async function workerdServe(route) {
  const { Miniflare } = await import('miniflare')
  const { stdout: script } = await promisify(execFile)(
    BUN,
    [
      'build',
      join(root, 'bench/worker.mjs'),
      '--target=browser',
      '--conditions=workerd',
      '--format=esm',
    ],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  )
  const mf = new Miniflare({
    modules: true,
    script,
    host: '127.0.0.1',
    port: 0,
    compatibilityDate: '2025-09-01',
    bindings: { SECRET, ROUTE: route },
  })
  const url = await mf.ready
  workerdHandled = async () => Number(await (await fetch(url)).text())
  return Number(url.port)
}

/** CPU µs of this process's descendants (workerd under miniflare), from /proc. */
function descendantsCpuMicros(pid = process.pid) {
  let micros = 0
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
    for (const child of children ? children.split(' ') : []) {
      // Fields after the command name: utime and stime are the 12th and 13th (clock ticks).
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      micros += (Number(fields[11]) + Number(fields[12])) * 10_000
      micros += descendantsCpuMicros(child)
    }
  }
  return micros
}

const options = { secret: SECRET, onDocumentSigned }
const servers = {
  'deno (fetch adapter)': () => denoServe('adapterRoute'),
  'deno hand-written (Web Crypto)': () => denoServe('handWrittenRoute'),
  'workerd (fetch adapter)': () => workerdServe('adapter'),
  'workerd hand-written (Web Crypto)': () => workerdServe('hand-written'),
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
}
for (const [framework, start] of Object.entries(handWrittenRoutes))
  servers[`${framework} hand-written`] = start
for (const [framework, start] of Object.entries(guideRoutes))
  servers[`${framework}, the guide's advice by hand`] = start

if (process.argv[2] === '--serve') {
  // Answers the parent over stdin/stdout (the same under Node and Bun): the port, then the
  // CPU time and handler calls between 'start' and 'stop'. Exits when stdin closes, so
  // --cpu-prof gets to write its profile.
  const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`)
  reply({ port: await servers[process.argv[3]]() })
  let since
  createInterface({ input: process.stdin })
    .on('line', (command) => {
      const cpu = () => {
        const { user, system } = process.cpuUsage()
        return user + system + (workerdHandled ? descendantsCpuMicros() : 0)
      }
      const calls = async () => (workerdHandled ? workerdHandled() : handled)
      if (command === 'start') {
        since = { cpu: cpu() }
        calls().then((n) => {
          since.handled = n
          reply({})
        })
      } else if (command === 'stop') {
        const cpuMicros = cpu() - since.cpu
        calls().then((n) => reply({ handled: n - since.handled, cpuMicros }))
      }
    })
    .on('close', () => {
      if (workerdHandled)
        process.kill(process.pid, 'SIGTERM') // miniflare stops workerd
      else process.exit(0)
    })
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
  const here = fileURLToPath(import.meta.url)
  // Deno resolves packages from node_modules only (no remote imports), with a DENO_DIR of its own.
  const denoDir = mkdtempSync(join(tmpdir(), 'inkless-bench-deno-'))
  process.on('exit', () => rmSync(denoDir, { recursive: true, force: true }))
  const commandOf = (name) => {
    if (/^bun\b/.test(name)) return { command: BUN, args: [] }
    if (/^deno\b/.test(name))
      return {
        command: DENO,
        args: [
          'run',
          '--no-remote',
          '--node-modules-dir=manual',
          '--allow-net=127.0.0.1',
          '--allow-read',
          '--allow-env',
          '--allow-sys',
        ],
        env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1' },
      }
    return { command: process.execPath, args: [] }
  }

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
    const { command, args, env } = commandOf(name)
    const flags =
      cpuProf && !name.startsWith('deno ')
        ? [
            '--cpu-prof',
            '--cpu-prof-dir=.tmp/cpu-prof',
            `--cpu-prof-name=${name.replace(/\W+/g, '-')}.cpuprofile`,
          ]
        : []
    const child = spawn(command, [...args, ...flags, here, '--serve', name], {
      stdio: ['pipe', 'pipe', 'inherit'],
      cwd: root,
      env,
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

  // [candidate, baseline, target CPU efficiency]
  const pairs = [
    ...[
      'node adapter',
      'express adapter',
      'fastify adapter',
      'koa adapter',
      'hono (fetch adapter)',
      'bun (fetch adapter)',
    ].flatMap((candidate) => {
      const framework = candidate.split(' ')[0]
      return [
        [candidate, `${framework}, the guide's advice by hand`, 1.0],
        [candidate, `${framework} hand-written`, 0.9],
      ]
    }),
    ['node adapter', 'node @octokit/webhooks middleware', 1.0],
    // No target: what core's reader (the node adapter's) saves against reading with raw-body.
    ['node adapter', 'node adapter, body read by raw-body', undefined],
    ['deno (fetch adapter)', 'deno hand-written (Web Crypto)', 0.9],
    ['workerd (fetch adapter)', 'workerd hand-written (Web Crypto)', 0.9],
  ].filter(([candidate]) => candidate.includes(only))
  const names = [...new Set(pairs.flatMap((pair) => pair.slice(0, 2)))]
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
  const perRound = (candidate, baseline, ratio) => {
    const c = samples.get(candidate)
    const b = samples.get(baseline)
    return median(
      c.cpu.map((_, r) =>
        ratio({ rps: c.rps[r], cpu: c.cpu[r] }, { rps: b.rps[r], cpu: b.cpu[r] }),
      ),
    )
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
    ratios: pairs.map(([candidate, baseline, target]) => ({
      candidate,
      baseline,
      target,
      // Ratios per round (the two measured moments apart), then their median: drift in the
      // machine's load over the run cancels out.
      rps: perRound(candidate, baseline, (c, b) => c.rps / b.rps),
      // Baseline CPU per request over the candidate's: above 1, the adapter spends less.
      cpuEfficiency: perRound(candidate, baseline, (c, b) => b.cpu / c.cpu),
    })),
  }
  if (json) {
    console.log(JSON.stringify(result, null, 2))
    return
  }
  const rows = [
    ['candidate', 'baseline', 'req/s', 'req/s ratio', 'CPU µs/request', 'CPU efficiency', 'target'],
  ]
  for (const { candidate, baseline, rps, cpuEfficiency, target } of result.ratios) {
    const c = figures[candidate]
    const b = figures[baseline]
    rows.push([
      candidate,
      baseline,
      `${fmt(c.rps)} / ${fmt(b.rps)}`,
      rps.toFixed(2),
      `${c.cpuMicros.toFixed(1)} / ${b.cpuMicros.toFixed(1)}`,
      cpuEfficiency.toFixed(2),
      target === undefined
        ? '—'
        : `≥ ${target.toFixed(1)}: ${cpuEfficiency >= target ? 'met' : 'missed'}`,
    ])
  }
  console.log(
    `# HTTP benchmarks\n\n${result.machine}; 32 keep-alive connections, ${duration} s per run after a ${warmup} s warm-up, median of ${rounds} rounds (each server in its own process, the order reversed every other round), ${result.settings.body}. Adapters with default options (in-memory dedupe on). Baselines on the same framework or runtime: *hand-written* is the bare raw body + HMAC + JSON.parse route (Web Crypto on Deno and workerd); *the guide's advice by hand* adds a 100 KiB limit and a Map of seen (event, document_token) pairs bounded at 50,000. req/s and CPU µs/request (the server's own CPU time per request, workerd's included; medians over the rounds) read candidate / baseline; the ratios are medians of the per-round ratios. CPU efficiency is baseline ÷ candidate CPU per request (above 1: the adapter spends less), and the target applies to it.\n\n${table(rows)}\n\nnon-2xx answers or socket errors: ${JSON.stringify(Object.fromEntries(Object.entries(result.non2xx).filter(([, n]) => n > 0)))}\n`,
  )
}
