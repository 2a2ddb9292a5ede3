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
  const server = createServer(inklessWebhooks({ secret: SECRET, maxBodyBytes, onEvent: () => {} }))
  let bytesRead = 0
  server.on('connection', (socket) => socket.on('close', () => (bytesRead += socket.bytesRead)))
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, maxBodyBytes }))
  process.on('message', () => process.send({ bytesRead }))
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
  const [{ bytesRead }] = await once(child, 'message')
  child.kill()
  return { status, maxBodyBytes, bytesRead, sent }
}

async function main() {
  const json = process.argv.includes('--json')
  const i = process.argv.indexOf('--deliveries')
  const total = i === -1 ? 1_000_000 : Number(process.argv[i + 1])
  const d = await deliveries(total)
  const u = await upload()
  const result = {
    machine: machine(),
    deliveries: {
      total,
      handled: d.handled,
      rssBeforeMiB: d.before / MiB,
      rssAfterMiB: d.after / MiB,
      growthMiB: (d.after - d.before) / MiB,
      heapGrowthMiB: d.heapGrowth / MiB,
      seconds: d.seconds,
    },
    upload: {
      sentMiB: 100,
      status: u.status,
      maxBodyBytes: u.maxBodyBytes,
      bytesRead: u.bytesRead,
      overLimitKiB: (u.bytesRead - u.maxBodyBytes) / 1024,
    },
  }
  if (json) return console.log(JSON.stringify(result, null, 2))
  const r = result
  console.log(`# Memory\n\n${r.machine}\n`)
  console.log(
    table([
      ['measurement', 'figure', 'target'],
      [
        `RSS growth over ${total.toLocaleString('en-US')} distinct deliveries (default dedupe store)`,
        `${r.deliveries.growthMiB.toFixed(1)} MiB (${r.deliveries.rssBeforeMiB.toFixed(0)} → ${r.deliveries.rssAfterMiB.toFixed(0)} MiB; live heap +${r.deliveries.heapGrowthMiB.toFixed(1)} MiB; ${r.deliveries.handled.toLocaleString('en-US')} handled in ${r.deliveries.seconds.toFixed(1)} s)`,
        '< 50 MB',
      ],
      [
        'bytes read of a 100 MB chunked upload (maxBodyBytes 100 KiB)',
        `${r.upload.bytesRead.toLocaleString('en-US')} B = limit + ${r.upload.overLimitKiB.toFixed(1)} KiB, answered ${r.upload.status}`,
        '≤ limit + 64 KiB',
      ],
    ]),
  )
}
