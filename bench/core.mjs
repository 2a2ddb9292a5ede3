// Core micro benchmark, one process: verifySignature and handle() from the built
// @inkless-webhooks/core against the Inkless guide's hand-written approach
// (createHmac + base64 + timingSafeEqual + JSON.parse), with a 135-byte document_signed body.
// Candidates run in interleaved rounds (order rotated each round) after a warm-up; the report
// gives the median ops/s of each and its ratio to its own reference.
// `node bench/core.mjs [--json] [--rounds N] [--iterations N]` (build the package first).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { cpus, loadavg } from 'node:os'

let core
try {
  core = await import('../packages/core/dist/index.mjs')
} catch (error) {
  console.error('bench/core.mjs: cannot load packages/core/dist/index.mjs; build it first')
  console.error('(cd packages/core && npx tsdown)')
  throw error
}
const { createInklessWebhooks, signPayload, verifySignature } = core

const argv = process.argv.slice(2)
const json = argv.includes('--json')
const flag = (name, fallback) => {
  const i = argv.indexOf(name)
  const value = i === -1 ? Number.NaN : Number(argv[i + 1])
  return Number.isSafeInteger(value) && value > 0 ? value : fallback
}
const ROUNDS = flag('--rounds', 15)
const ITERATIONS = flag('--iterations', 40_000)
const WARMUP = Math.max(10_000, ITERATIONS)

// ---- payload ---------------------------------------------------------------------------

const SECRET = 'whsec_bench_core_5d8e2a71c4b9f036'
const BODY_BYTES = 135
const BASE_TIME = Date.parse('2026-03-11T23:25:31Z')

/** A document_signed body; `n` shifts the timestamp by n seconds (same length for any n). */
function documentSigned(n = 0) {
  return JSON.stringify({
    event: 'document_signed',
    secure_link_id: 271 + (n % 700), // always three digits
    document_token: 'd0c5e7a1b2c3d4e5f6a7b8c9d0e1f2a3', // 32 characters: 135 bytes in all
    timestamp: new Date(BASE_TIME + n * 1000).toISOString().replace('.000Z', 'Z'),
  })
}

const body = Buffer.from(documentSigned())
if (body.length !== BODY_BYTES) throw new Error(`body is ${body.length} bytes, not ${BODY_BYTES}`)

const nodeHeaders = (rawBody) => ({
  host: 'hooks.example.com',
  'content-type': 'application/json',
  'content-length': String(rawBody.length),
  'user-agent': 'Inkless-Webhooks/1.0',
  'x-inkless-signature': signPayload(rawBody, SECRET),
  'x-inkless-alg': 'SHA256',
})
const headers = nodeHeaders(body)
const header = headers['x-inkless-signature']
const request = { method: 'POST', url: '/webhook', headers, rawBody: body }

// ---- the guide's hand-written approach -------------------------------------------------

let handled = 0
/** The trivial work every candidate's handler does. */
const onDocumentSigned = (event) => {
  handled += event.secure_link_id > 0 ? 1 : 0
}

function referenceVerify(rawBody, signature) {
  const computed = createHmac('sha256', SECRET).update(rawBody).digest('base64')
  try {
    return timingSafeEqual(Buffer.from(computed), Buffer.from(signature))
  } catch {
    return false // length mismatch
  }
}

/** Reads the header, verifies, parses and dispatches like a hand-written route handler. */
function referenceSync(req) {
  if (!referenceVerify(req.rawBody, req.headers['x-inkless-signature'])) return 401
  const event = JSON.parse(req.rawBody.toString())
  if (event.event === 'document_signed') onDocumentSigned(event)
  return 200
}

/**
 * The same as the async route handler a server awaits. The handler itself is not awaited (one
 * microtask fewer than most hand-written routes): the stricter baseline for handle().
 */
async function reference(req) {
  return referenceSync(req)
}

// ---- ours ------------------------------------------------------------------------------

const webhooks = createInklessWebhooks({ secret: SECRET, dedupe: false, onDocumentSigned })

let dedupeHandled = 0
const deduped = createInklessWebhooks({
  secret: SECRET,
  onDocumentSigned: (event) => {
    dedupeHandled += event.secure_link_id > 0 ? 1 : 0
  },
})
// Every delivery to `deduped` is new: before each run (untimed) the next batch of bodies,
// with timestamps never used before, is signed into two off-heap slabs, so the default store
// does its full claim/complete work and, after the warm-up, runs at its 50,000-entry bound,
// rotating generations as in production. Each delivery's request object, header strings and
// body view are made in the timed loop, as a server makes them per request (and they die
// young, as there); the "fresh requests" control does the same without a store.
const SIG_CHARS = header.length
const SLAB_DELIVERIES = Math.max(50_000, ITERATIONS)
const bodySlab = Buffer.alloc(SLAB_DELIVERIES * BODY_BYTES)
const signatureSlab = Buffer.alloc(SLAB_DELIVERIES * SIG_CHARS)
let nextDelivery = 1
function prepareDeliveries(n) {
  for (let i = 0; i < n; i++) {
    const at = i * BODY_BYTES
    if (bodySlab.write(documentSigned(nextDelivery++), at, 'latin1') !== BODY_BYTES)
      throw new Error('delivery body length')
    const raw = bodySlab.subarray(at, at + BODY_BYTES)
    signatureSlab.write(signPayload(raw, SECRET), i * SIG_CHARS, 'latin1')
  }
}
prepareDeliveries(SLAB_DELIVERIES)
const contentLength = String(BODY_BYTES)
const delivery = (i) => ({
  method: 'POST',
  url: '/webhook',
  headers: {
    host: 'hooks.example.com',
    'content-type': 'application/json',
    'content-length': contentLength,
    'user-agent': 'Inkless-Webhooks/1.0',
    'x-inkless-signature': signatureSlab.toString('latin1', i * SIG_CHARS, (i + 1) * SIG_CHARS),
    'x-inkless-alg': 'SHA256',
  },
  rawBody: bodySlab.subarray(i * BODY_BYTES, (i + 1) * BODY_BYTES),
})
let dedupeSent = 0

// ---- candidates ------------------------------------------------------------------------
// Each has its own loop so every call site stays monomorphic. `base` names the reference
// its ratio is taken against.

let sink = 0
const candidates = [
  {
    name: 'reference: HMAC + base64 + timingSafeEqual + JSON.parse',
    base: 'reference: HMAC + base64 + timingSafeEqual + JSON.parse',
    run(n) {
      for (let i = 0; i < n; i++) sink += referenceSync(request)
    },
  },
  {
    name: 'reference (async)',
    base: 'reference: HMAC + base64 + timingSafeEqual + JSON.parse',
    async run(n) {
      for (let i = 0; i < n; i++) sink += await reference(request)
    },
  },
  {
    name: 'floor: createHmac digest only',
    base: 'reference verify only (no JSON.parse)',
    run(n) {
      for (let i = 0; i < n; i++) sink += createHmac('sha256', SECRET).update(body).digest()[0]
    },
  },
  {
    name: 'reference verify only (no JSON.parse)',
    base: 'reference verify only (no JSON.parse)',
    run(n) {
      for (let i = 0; i < n; i++) sink += referenceVerify(body, header) ? 1 : 0
    },
  },
  {
    name: 'verifySignature()',
    base: 'reference verify only (no JSON.parse)',
    run(n) {
      for (let i = 0; i < n; i++) sink += verifySignature(body, header, SECRET) ? 1 : 0
    },
  },
  {
    name: 'handle(), dedupe: false',
    base: 'reference (async)',
    async run(n) {
      for (let i = 0; i < n; i++) sink += (await webhooks.handle(request)).status
    },
  },
  {
    name: 'handle(), dedupe: false, fresh request objects (control)',
    base: 'handle(), dedupe: false',
    async run(n) {
      for (let i = 0; i < n; i++) sink += (await webhooks.handle(delivery(i))).status
    },
  },
  {
    name: 'handle(), default in-memory dedupe, every delivery new',
    base: 'reference (async)',
    prepare: prepareDeliveries,
    async run(n) {
      for (let i = 0; i < n; i++) sink += (await deduped.handle(delivery(i))).status
      dedupeSent += n
    },
  },
]

// ---- sanity checks ---------------------------------------------------------------------

if (!verifySignature(body, header, SECRET)) throw new Error('verifySignature rejected the body')
if (!referenceVerify(body, header)) throw new Error('the reference rejected the body')
if (header !== createHmac('sha256', SECRET).update(body).digest('base64'))
  throw new Error('signPayload differs from the reference HMAC')
for (const [label, instance, req] of [
  ['handle()', webhooks, request],
  ['handle() (dedupe)', deduped, { ...request, headers: { ...headers } }],
]) {
  const before = handled + dedupeHandled
  const response = await instance.handle(req)
  if (response.status !== 200 || response.body !== 'ok' || handled + dedupeHandled !== before + 1)
    throw new Error(`${label} answered ${response.status} ${response.body}`)
}
dedupeHandled = 0

// ---- run -------------------------------------------------------------------------------

const median = (values) => {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

async function measure(c, n) {
  c.prepare?.(n)
  const started = process.hrtime.bigint()
  const pending = c.run(n)
  if (pending) await pending
  return n / (Number(process.hrtime.bigint() - started) / 1e9)
}

const startedAt = performance.now()
for (const c of candidates) {
  c.samples = []
  // The dedupe store fills both generations during its warm-up (50,000 entries).
  await measure(c, c.prepare ? 50_000 : WARMUP)
}
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < candidates.length; k++) {
    const c = candidates[(k + round) % candidates.length]
    c.samples.push(await measure(c, ITERATIONS))
  }
}
const seconds = (performance.now() - startedAt) / 1000
if (dedupeHandled !== dedupeSent)
  throw new Error(`dedupe: ${dedupeSent} new deliveries but ${dedupeHandled} handled`)
if (sink === 0 || handled === 0) throw new Error('nothing ran')

const byName = new Map(candidates.map((c) => [c.name, c]))
const results = candidates.map((c) => {
  const base = byName.get(c.base)
  const ops = median(c.samples)
  return {
    name: c.name,
    opsPerSecond: ops,
    reference: c.base === c.name ? null : c.base,
    ratio: ops / median(base.samples),
    // Per-round ratio (same round, neighbouring runs): less sensitive to load drift.
    pairedRatio: median(c.samples.map((s, i) => s / base.samples[i])),
    // Spread: median absolute deviation of the rounds, relative to the median.
    spread: median(c.samples.map((s) => Math.abs(s - ops))) / ops,
    samples: c.samples.map(Math.round),
  }
})
const result = (name) => results.find((r) => r.name === name)

const targets = [
  ['handle(), dedupe: false', 'reference (async)', 0.85],
  ['verifySignature()', 'reference verify only (no JSON.parse)', 1.0],
].map(([name, against, min]) => {
  const r = result(name)
  return { name, against, min, ratio: r.ratio, pairedRatio: r.pairedRatio, pass: r.ratio >= min }
})

const storeCost = {
  name: 'handle(), default in-memory dedupe, every delivery new',
  against: 'handle(), dedupe: false, fresh request objects (control)',
}
storeCost.ratio = result(storeCost.name).opsPerSecond / result(storeCost.against).opsPerSecond

const cpu = cpus()
const machine = {
  node: process.version,
  cpu: cpu[0]?.model ?? 'unknown',
  cores: cpu.length,
  loadavg: loadavg().map((l) => Number(l.toFixed(2))),
  date: new Date().toISOString(),
}

if (json) {
  console.log(
    JSON.stringify(
      {
        machine,
        bodyBytes: BODY_BYTES,
        rounds: ROUNDS,
        iterations: ITERATIONS,
        seconds,
        results,
        targets,
        storeCost,
      },
      null,
      2,
    ),
  )
} else {
  const fmt = (n) => Math.round(n).toLocaleString('en-US')
  const x = (n) => `${n.toFixed(2)}×`
  const rows = results.map((r) => [
    r.name,
    fmt(r.opsPerSecond),
    `±${(r.spread * 100).toFixed(1)}%`,
    r.reference === null ? 'reference' : `${x(r.ratio)} ${r.reference}`,
  ])
  console.log(
    `Machine: Node ${machine.node}, ${machine.cpu} × ${machine.cores}, load ${machine.loadavg.join(' ')}, ${machine.date}`,
  )
  console.log(
    `Body: ${BODY_BYTES}-byte document_signed; median of ${ROUNDS} interleaved rounds × ${fmt(ITERATIONS)} iterations (${seconds.toFixed(1)} s).\n`,
  )
  console.log('| candidate | ops/s (median) | spread | ratio vs its reference |')
  console.log('| --- | ---: | ---: | --- |')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  console.log('')
  for (const t of targets) {
    console.log(
      `${t.pass ? 'PASS' : 'FAIL'}: ${t.name} ${x(t.ratio)} ${t.against} (target ≥ ${t.min.toFixed(2)}×; per-round ${x(t.pairedRatio)})`,
    )
  }
  console.log(
    `INFO: in-memory dedupe store: ${x(storeCost.ratio)} the same fresh deliveries without a store`,
  )
}
