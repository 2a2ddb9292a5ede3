// What OpenTelemetry costs handle(): off (`telemetry: false`, the path taken when
// @opentelemetry/api is not installed), the API installed with no provider registered (the
// default; budget ≤ 2%), and a real SDK recording every span and metric in memory.
// Throughput is per CPU-second of this process (process.cpuUsage), so other work on the
// machine does not skew ratios of a few percent; candidates are interleaved as in lib.mjs.
// `node bench/telemetry.mjs [--json] [--rounds N]`
import { createInklessWebhooks, signPayload } from '@inkless-webhooks/core'
import { metrics, trace } from '@opentelemetry/api'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { fmt, machine, median, table } from './lib.mjs'

const json = process.argv.includes('--json')
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 151
const iterations = 2_000
const secret = 'whsec_bench_7c1e0b5d2f9a4e3c'

// Every delivery distinct, so each goes through the default dedupe store and a listener.
const total = iterations * (rounds + 1) + 2000 // warm-up included
const deliveries = Array.from({ length: total }, (_, n) => {
  const text = JSON.stringify({
    event: 'document_signed',
    secure_link_id: 271 + n,
    document_token: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
    timestamp: '2026-03-11T23:25:31Z',
  })
  return {
    method: 'POST',
    url: '/webhook',
    headers: { 'x-inkless-signature': signPayload(text, secret), 'x-inkless-alg': 'SHA256' },
    rawBody: Buffer.from(text),
  }
})

/**
 * Each candidate's ops per CPU-second in every round, the order rotating each round. Ratios
 * are taken per round (each against the first candidate, measured moments apart), then the
 * median: drift over the run cancels out.
 */
async function interleaved(candidates) {
  const samples = candidates.map(() => [])
  for (const c of candidates) for (let i = 0; i < 2000; i++) await c.fn(i)
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const index = (k + round) % candidates.length
      const { fn } = candidates[index]
      const started = process.cpuUsage()
      for (let i = 0; i < iterations; i++) await fn(i)
      const { user, system } = process.cpuUsage(started)
      samples[index].push(iterations / ((user + system) / 1e6))
    }
  }
  return new Map(
    candidates.map((c, i) => [
      c.name,
      {
        ops: median(samples[i]),
        ratio: median(samples[i].map((ops, round) => ops / samples[0][round])),
      },
    ]),
  )
}

let handled = 0
const candidate = (name, options) => {
  const webhooks = createInklessWebhooks({ secret, onDocumentSigned: () => handled++, ...options })
  let next = 0
  return { name, fn: () => webhooks.handle(deliveries[next++ % total]) }
}
const OFF = 'telemetry off (as without @opentelemetry/api)'
const NO_PROVIDER = '@opentelemetry/api, no provider registered'
const RECORDING = 'SDK provider, in-memory span exporter + metric reader'

// Two identical "off" instances show the noise floor of the comparison.
const OFF_AGAIN = 'telemetry off, a second instance (noise floor)'
const idle = await interleaved([
  candidate(OFF, { telemetry: false }),
  candidate(OFF_AGAIN, { telemetry: false }),
  candidate(NO_PROVIDER),
])

// Then a real SDK, against a fresh "off" instance measured in the same rounds.
const spans = new InMemorySpanExporter()
class PullReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
)
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PullReader()] }))
const recorder = candidate(RECORDING)
const recording = await interleaved([
  candidate(OFF, { telemetry: false }),
  {
    ...recorder,
    fn: (i) => {
      if (i % 1000 === 0) spans.reset() // keep the exporter's memory bounded
      return recorder.fn()
    },
  },
])
if (handled === 0) throw new Error('no handler ran')

const out = {
  machine: machine(),
  rounds,
  noProvider: Object.fromEntries(idle),
  recording: Object.fromEntries(recording),
}
const row = (name, { ops, ratio }) => [name, fmt(ops), ratio.toFixed(3)]
if (json) {
  console.log(JSON.stringify(out, null, 2))
} else {
  const rows = [
    [
      'handle(), 135 B document_signed, default dedupe store',
      'ops/CPU-s',
      '× off (per-round median)',
    ],
    ...[...idle].map(([name, result]) => row(name, result)),
    ...[...recording].map(([name, result]) =>
      row(name === OFF ? `${OFF} (second run)` : name, result),
    ),
  ]
  console.log(
    `# OpenTelemetry\n\n${out.machine}; \`handle()\` with default options but \`telemetry\`, every delivery distinct; ${rounds} interleaved rounds of ${fmt(iterations)} per candidate, throughput per CPU-second of the process.\n\n${table(rows)}\n\n- No provider registered: ${idle.get(NO_PROVIDER).ratio.toFixed(3)}× off (target ≥ 0.98, a cost ≤ 2%: ${idle.get(NO_PROVIDER).ratio >= 0.98 ? 'met' : 'missed'}); two identical instances: ${idle.get(OFF_AGAIN).ratio.toFixed(3)}× (the noise floor)\n`,
  )
}
