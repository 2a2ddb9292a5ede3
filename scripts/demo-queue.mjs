// `pnpm demo:queue`: queue mode end to end. Starts a redis-server (or uses REDIS_URL), the
// receiver and the worker of examples/bullmq, and plays Inkless against the receiver with the
// testing kit's `simulate` — shuffled, with duplicates. Midway the worker is killed
// (SIGKILL) and restarted a moment later: the receiver keeps answering 200 meanwhile, and
// the table at the end shows every event processed.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { INKLESS_EVENTS } from '@inkless-webhooks/core'
import { planEnvelopes, simulate } from '@inkless-webhooks/testing'
import { Queue } from 'bullmq'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const example = join(root, 'examples/bullmq')
const secret = process.env.INKLESS_WEBHOOK_SECRET || 'whsec_demo_only'
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const children = new Set()

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  return port
}

/** Starts a process, echoing its lines dimmed; resolves once a line matches `ready`. */
function start(label, command, args, env, ready, onLine = () => {}) {
  const child = spawn(command, args, { cwd: example, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}`)))
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        onLine(line)
        if (label !== 'redis') console.log(dim(`  ${label.padEnd(8)} │ ${line}`))
        const match = line.match(ready)
        if (match) resolve({ child, match })
      })
    }
  })
}

const dir = mkdtempSync(join(tmpdir(), 'inkless-demo-queue-'))
try {
  let redisUrl = process.env.REDIS_URL
  if (!redisUrl) {
    const port = await freePort()
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]
    await start('redis', 'redis-server', args, process.env, /Ready to accept connections/).catch(
      (error) => {
        throw new Error(`needs redis-server on the PATH, or REDIS_URL (${error.message})`)
      },
    )
    redisUrl = `redis://127.0.0.1:${port}`
  }
  const env = { ...process.env, INKLESS_WEBHOOK_SECRET: secret, REDIS_URL: redisUrl, PORT: '0' }
  const { match } = await start(
    'receiver',
    process.execPath,
    ['receiver.js'],
    env,
    /^listening on (\S+)/,
  )
  const url = match[1]

  // Every line the worker prints for a processed event: `<event>: <token> [link <id>]`.
  const runs = []
  const workerEnv = { ...env, LOCK_MS: '2000' }
  const startWorker = () =>
    start('worker', process.execPath, ['worker.js'], workerEnv, /^worker ready/, (line) => {
      const processed = line.match(/^([a-z_]+): (\w+(?: link \d+)?)/)
      if (processed) runs.push({ event: processed[1], key: processed[2] })
    })
  let { child: worker } = await startWorker()
  console.log(`\nreceiver on ${url}, bull-board on ${url.replace(/\/webhook$/, '/admin/queues')}\n`)

  const { hostname: host, port } = new URL(redisUrl)
  const queue = new Queue('inkless', { connection: { host, port: Number(port || 6379) } })
  queue.on('error', () => {})
  const options = { envelopes: 6, signers: 2, shuffle: true, duplicates: 0.3, concurrency: 4 }
  console.log(`simulate ${url} --envelopes 6 --signers 2 --shuffle --duplicates 0.3\n`)
  let killed = false
  let restarted
  const report = await simulate(url, {
    ...options,
    secret,
    backoffMs: 100,
    onProgress({ done, total }) {
      if (killed || done < total / 3) return
      killed = true
      console.log(
        `\n  ── ${done}/${total} delivered: worker killed (SIGKILL); deliveries keep coming ──\n`,
      )
      worker.kill('SIGKILL')
      restarted = sleep(1500).then(async () => {
        const waiting = await queue.getWaitingCount()
        console.log(`\n  ── worker restarted; ${waiting} jobs stored while it was down ──\n`)
        worker = (await startWorker()).child
      })
    },
  })
  await restarted
  // Done when nothing is left to run (a job the killed worker held runs again once its lock lapses).
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')
    if (Object.values(counts).every((n) => n === 0)) break
    await sleep(200)
  }
  await queue.close()

  // Per event: what Inkless delivered, how many distinct deliveries that was, what ran.
  const unique = new Map()
  for (const d of planEnvelopes({ envelopes: options.envelopes, signers: options.signers })) {
    unique.set(d.event.event, (unique.get(d.event.event) ?? 0) + 1)
  }
  const rows = [['event', 'delivered', '2xx', 'distinct', 'processed', 'ran twice']]
  const totals = [0, 0, 0, 0, 0]
  const byEvent = [...report.byEvent].sort(
    ([a], [b]) => INKLESS_EVENTS.indexOf(a) - INKLESS_EVENTS.indexOf(b),
  )
  for (const [event, stats] of byEvent) {
    const keys = runs.filter((r) => r.event === event).map((r) => r.key)
    const processed = new Set(keys).size
    const row = [stats.sent, stats.ok, unique.get(event) ?? 0, processed, keys.length - processed]
    row.forEach((n, i) => {
      totals[i] += n
    })
    rows.push([event, ...row.map(String)])
  }
  rows.push(['total', ...totals.map(String)])
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  console.log('')
  for (const [i, row] of rows.entries()) {
    if (i === rows.length - 1) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
    console.log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  '),
    )
  }
  const [delivered, ok, distinct, processed, twice] = totals
  console.log(`
What happened:
  receiver   answered ${ok} of ${delivered} deliveries 2xx, also while no worker ran: each was stored in Redis first
  duplicates ${delivered - distinct} duplicate deliveries were answered 200 "duplicate" and never became a job
  worker     killed mid-run and restarted: ${processed} of ${distinct} distinct events processed${twice ? `, ${twice} twice (their handler had run when the kill came, before BullMQ recorded them done)` : ', none twice'}
`)
  process.exitCode = ok === delivered && processed === distinct ? 0 : 1
} finally {
  for (const child of children) child.kill()
  rmSync(dir, { recursive: true, force: true })
}
