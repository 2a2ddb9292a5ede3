// Memory: RSS growth over 1,000,000 distinct deliveries through handle() with the default
// (bounded) dedupe store, and how much of a 100 MB upload a node:http server reads before
// refusing it. Each measurement runs in its own child process.
// `node bench/memory.mjs [--json] [--deliveries N]`
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createServer, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { machine, table } from './lib.mjs'

const SECRET = 'whsec_bench_memory'
const MiB = 1024 * 1024
const role = process.argv[2]

if (role === '--deliveries-child') {
  const { createInklessWebhooks, signPayload } = await import('@inkless-webhooks/core')
  const total = Number(process.argv[3])
  let handled = 0
  const webhooks = createInklessWebhooks({ secret: SECRET, onEvent: () => handled++ })
  const deliver = (n) => {
    const body = `{"event":"document_signed","secure_link_id":${n},"document_token":"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6","timestamp":"2026-03-11T23:25:31Z"}`
    return webhooks.handle({
      method: 'POST',
      url: '/webhook',
      headers: { 'x-inkless-signature': signPayload(body, SECRET) },
      rawBody: Buffer.from(body),
    })
  }
  const usage = () => {
    globalThis.gc()
    return process.memoryUsage()
  }
  const warmup = 20_000
  for (let n = 0; n < warmup; n++) await deliver(n)
  const before = usage()
  const started = performance.now()
  for (let n = warmup; n < total; n++) await deliver(n)
  const seconds = (performance.now() - started) / 1000
  const after = usage()
  process.send({
    before: before.rss,
    after: after.rss,
    heapGrowth: after.heapUsed - before.heapUsed,
    handled,
    seconds,
  })
} else if (role === '--upload-child') {
  const { inklessWebhooks } = await import('@inkless-webhooks/node')
  const maxBodyBytes = 100 * 1024
  const middleware = inklessWebhooks({ secret: SECRET, maxBodyBytes, onEvent: () => {} })
  // Buffered: the body bytes the request handed out before the answer was written (the
  // adapter pauses the request once over the limit, so nothing more flows until then).
  // Read in all: the socket's count once it closed; the difference was read and discarded.
  let buffered = 0
  let bytesRead = 0
  const server = createServer((req, res) => {
    let received = 0
    req.on('data', (chunk) => {
      received += chunk.length
    })
    const writeHead = res.writeHead
    res.writeHead = (...args) => {
      buffered = received
      return writeHead.apply(res, args)
    }
    return middleware(req, res)
  })
  server.on('connection', (socket) => socket.on('close', () => (bytesRead += socket.bytesRead)))
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, maxBodyBytes }))
  process.on('message', () => process.send({ buffered, bytesRead }))
} else {
  await main()
}

async function deliveries(total) {
  const child = fork(fileURLToPath(import.meta.url), ['--deliveries-child', String(total)], {
    execArgv: ['--expose-gc'],
  })
  const [result] = await once(child, 'message')
  child.kill()
  return result
}

/** Streams 100 MB at the server without Content-Length (chunked), as fast as it will take it. */
async function upload() {
  const child = fork(fileURLToPath(import.meta.url), ['--upload-child'])
  const [{ port, maxBodyBytes }] = await once(child, 'message')
  const total = 100 * MiB
  let sent = 0
  const status = await new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/webhook',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume()
        resolve(res.statusCode)
      },
    )
    req.on('error', () => resolve('reset'))
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const pump = () => {
      while (sent < total) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
  await new Promise((r) => setTimeout(r, 200))
  child.send('bytes')
  const [{ buffered, bytesRead }] = await once(child, 'message')
  child.kill()
  return { status, maxBodyBytes, buffered, bytesRead, sent }
}

async function main() {
  const json = process.argv.includes('--json')
  const i = process.argv.indexOf('--deliveries')
  const total = i === -1 ? 1_000_000 : Number(process.argv[i + 1])
  // RSS after a forced GC still holds what V8 and the allocator keep reserved, which varies
  // from process to process (30–50 MiB over the same code): the median of three processes.
  const runs = []
  for (let run = 0; run < 3; run++) runs.push(await deliveries(total))
  const growthOf = (run) => run.after - run.before
  runs.sort((a, b) => growthOf(a) - growthOf(b))
  const d = runs[1]
  const u = await upload()
  const result = {
    machine: machine(),
    deliveries: {
      total,
      handled: d.handled,
      rssBeforeMiB: d.before / MiB,
      rssAfterMiB: d.after / MiB,
      growthMiB: growthOf(d) / MiB,
      growthRangeMiB: [growthOf(runs[0]) / MiB, growthOf(runs[2]) / MiB],
      heapGrowthMiB: d.heapGrowth / MiB,
      seconds: d.seconds,
    },
    upload: {
      sentMiB: 100,
      status: u.status,
      maxBodyBytes: u.maxBodyBytes,
      buffered: u.buffered,
      discarded: u.bytesRead - u.buffered,
    },
  }
  if (json) return console.log(JSON.stringify(result, null, 2))
  const r = result
  const met = (ok) => (ok ? 'met' : 'missed')
  const { upload: up, deliveries: growth } = r
  const lingerBound = Math.min(16 * MiB, Math.max(MiB, 8 * up.maxBodyBytes))
  console.log(
    `# Memory\n\n${r.machine}. Deliveries: \`handle()\` with default options (the in-memory dedupe store at its default 50,000 entries), each delivery distinct, RSS after a forced GC, after a warm-up of 20,000, the median of three processes. Upload: the node adapter (maxBodyBytes 100 KiB) on 127.0.0.1, sent 100 MiB in 64 KiB chunks without Content-Length as fast as the server takes them.\n`,
  )
  console.log(
    table([
      ['measurement', 'figure', 'target', 'met?'],
      [
        `RSS growth over ${total.toLocaleString('en-US')} distinct deliveries`,
        `${growth.growthMiB.toFixed(1)} MiB (${growth.rssBeforeMiB.toFixed(0)} → ${growth.rssAfterMiB.toFixed(0)} MiB; the three processes ${growth.growthRangeMiB.map((m) => m.toFixed(1)).join('–')} MiB; live heap +${growth.heapGrowthMiB.toFixed(1)} MiB; ${growth.handled.toLocaleString('en-US')} handled in ${growth.seconds.toFixed(1)} s)`,
        '< 50 MiB',
        met(growth.growthMiB < 50),
      ],
      [
        'body bytes buffered before the answer (100 MiB upload)',
        `${up.buffered.toLocaleString('en-US')} B = limit + ${((up.buffered - up.maxBodyBytes) / 1024).toFixed(1)} KiB, answered ${up.status}`,
        '≤ limit + 64 KiB (one chunk)',
        met(up.buffered <= up.maxBodyBytes + 64 * 1024),
      ],
      [
        'bytes read and discarded after the answer (lingering close)',
        `${(up.discarded / MiB).toFixed(2)} MiB of the ${up.sentMiB} MiB sent`,
        `≤ ${lingerBound / MiB} MiB + 64 KiB (the lingering close's bound, 8 × maxBodyBytes within 1 to 16 MiB, and the read that crosses it)`,
        met(up.discarded <= lingerBound + 64 * 1024),
      ],
    ]),
  )
}
