#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { INKLESS_EVENTS, type InklessEventName, signPayload } from '@inkless-webhooks/core'
import { closest } from '@inkless-webhooks/core/adapter'
import { answerLine, networkFailure, redactUrl, secretSource, statusHint } from './explain.js'
import { createTestEvent } from './fixtures.js'
import { startInspector } from './inspector.js'
import {
  type FailedJobFilter,
  HistoryError,
  historySource,
  QUEUE_SOURCES,
  type QueueFlag,
  queueSource,
  type ReplaySource,
  replay,
  replayFailedJobs,
  replayRequest,
} from './replay.js'
import { createDispatcher, sendHandshake, sendWebhook } from './send.js'
import { quantile, type SimulationReport, simulate } from './simulate.js'

const USAGE = `Usage: inkless-webhooks <command> [options]

Plays Inkless against a URL: no tunnel, no dashboard.

Commands:
  handshake <url>            send the verification request; check the exact echo
  send <url> <event>         send one signed delivery of <event>
  simulate <url>             deliver whole envelopes: async, reordered, duplicated, retried
  sign                       read a body on stdin, print its X-Inkless-Signature
  dev --forward-to <url>     a local web page to send, watch and redeliver deliveries
  replay <history.json>      send again the deliveries of a history file (or a queue's failed jobs)

Common options:
  --secret <s>               webhook secret (default: INKLESS_WEBHOOK_SECRET)
  --insecure                 accept any TLS certificate (https:// URLs)
  --ca <file>                trust this CA / self-signed certificate
  -h, --help                 help for a command
  --version                  print the version

Events: ${INKLESS_EVENTS.join(', ')}`

const HELP: Record<string, string> = {
  handshake: `Usage: inkless-webhooks handshake <url> [--insecure] [--ca file]

Sends the handshake Inkless sends when a webhook URL is saved, and passes when the answer
is 200, text/plain, and exactly the verification_secret.`,
  send: `Usage: inkless-webhooks send <url> <event> [options]
       inkless-webhooks send <url> --raw <payload.json> [options]

  --document-token <t>       document_token of the event (default: random)
  --secure-link-id <n>       secure_link_id of the event (default: random)
  --data <file.json>         fields to merge into the payload (a JSON object)
  --raw <file>               send this captured payload byte for byte, signed (no <event>)
  --header 'Name: value'     add or replace a request header (repeatable)
  --secret <s>               webhook secret (default: INKLESS_WEBHOOK_SECRET)
  --insecure                 accept any TLS certificate (https:// URLs)
  --ca <file>                trust this CA / self-signed certificate`,
  simulate: `Usage: inkless-webhooks simulate <url> [options]

  --envelopes <n>            envelopes to play through (default 1)
  --signers <n>              signers per envelope (default 2)
  --shuffle                  deliver in random order
  --duplicates <rate>        share of deliveries sent twice, 0 to 1 (default 0)
  --concurrency <n>          deliveries in flight (default 8)
  --retries <n>              retries per non-2xx delivery (default 5); a 401, 404, 405
                             or 413 stops the run instead: no retry changes those
  --backoff-ms <n>           first retry delay, doubled per retry (default 200)
  --secret, --insecure, --ca as above

Exits 1 if any delivery ended without a 2xx.`,
  dev: `Usage: inkless-webhooks dev --forward-to <url> [options]

Starts the inspector, a page on 127.0.0.1 that sends deliveries to <url> and shows each one
live: the exact request and answer, with buttons to run the handshake, send any event
(editable), redeliver as-is or re-signed, send a forged copy, and play whole envelopes.
The session's history exports as JSON for \`inkless-webhooks replay\`.

  --forward-to <url>         your webhook endpoint
  --port <n>                 the page's port on 127.0.0.1 (default 4141; 0: any free port)
  --secret <s>               webhook secret (default: INKLESS_WEBHOOK_SECRET)
  --insecure, --ca as above

Stop it with Ctrl-C.`,
  replay: `Usage: inkless-webhooks replay <history.json> --to <url> [options]
       inkless-webhooks replay --bullmq <redis-url> [filters] [--dry-run]
       inkless-webhooks replay --bullmq <redis-url> --to <url> [filters] --resign
       (--pg-boss <postgres-url> in place of --bullmq)

Sends again, in order, the deliveries of a history file (exported by \`inkless-webhooks dev\`).
With --bullmq or --pg-boss (needs @inkless-webhooks/bullmq or @inkless-webhooks/pg-boss) and
no --to: runs the queue's failed jobs again, in the queue, with their full attempts; with --to:
sends their bodies to <url> instead.

  --to <url>                 where to send them
  --resign                   set each payload's timestamp to now and sign it again (--secret):
                             a new delivery; without it the exact bytes and signature are sent
                             again, a duplicate to a server that saw them
  --dry-run                  list what would be replayed, change and send nothing
  --secret <s>               signs what has no recorded signature, and --resign
  --insecure, --ca as above

Failed jobs (--bullmq, --pg-boss), every filter given must hold:
  --queue <name>             the queue (default inkless)
  --id <id>                  a job id or dedupe key; repeat for several
  --event <name>             an event name; repeat for several
  --tenant <tenant>          one tenant's jobs
  --since <time>             failed at or after: an ISO 8601 time, or 30m, 6h, 7d ago

Exits 1 if any delivery was answered without a 2xx.`,
  sign: `Usage: inkless-webhooks sign [--secret s] < body.json

Prints base64(HMAC-SHA256(secret, stdin bytes)), the X-Inkless-Signature value.`,
}

class UsageError extends Error {}

// The command being run, so a usage error shows that command's usage.
let current: string | undefined

const options = {
  secret: { type: 'string' },
  insecure: { type: 'boolean' },
  ca: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  'document-token': { type: 'string' },
  'secure-link-id': { type: 'string' },
  data: { type: 'string' },
  raw: { type: 'string' },
  header: { type: 'string', multiple: true },
  envelopes: { type: 'string' },
  signers: { type: 'string' },
  shuffle: { type: 'boolean' },
  duplicates: { type: 'string' },
  concurrency: { type: 'string' },
  retries: { type: 'string' },
  'backoff-ms': { type: 'string' },
  to: { type: 'string' },
  'forward-to': { type: 'string' },
  port: { type: 'string' },
  resign: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  bullmq: { type: 'string' },
  'pg-boss': { type: 'string' },
  queue: { type: 'string' },
  id: { type: 'string', multiple: true },
  event: { type: 'string', multiple: true },
  tenant: { type: 'string' },
  since: { type: 'string' },
} as const

type Values = ReturnType<
  typeof parseArgs<{ options: typeof options; allowPositionals: true }>
>['values']

function integer(values: Values, name: keyof Values, fallback: number, min = 0): number {
  const raw = values[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`)
  return n
}

function url(value: string | undefined, name = '<url>'): string {
  if (!value) throw new UsageError(`missing ${name}`)
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new UsageError(`not a URL: ${redactUrl(value)}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`expected an http:// or https:// URL, got ${redactUrl(value)}`)
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // fetch refuses credentials in a URL, and would echo them in its error.
    throw new UsageError(`${redactUrl(value)}: remove the user:password@ part; it is never sent`)
  }
  return value
}

function secret(values: Values): string {
  const s = values.secret ?? process.env.INKLESS_WEBHOOK_SECRET
  if (!s) throw new UsageError('no secret: pass --secret or set INKLESS_WEBHOOK_SECRET')
  return s
}

const allowed: Record<string, ReadonlySet<string>> = {
  handshake: new Set(['insecure', 'ca', 'help', 'secret']),
  send: new Set([
    'secret',
    'insecure',
    'ca',
    'help',
    'document-token',
    'secure-link-id',
    'data',
    'raw',
    'header',
  ]),
  simulate: new Set([
    'secret',
    'insecure',
    'ca',
    'help',
    'envelopes',
    'signers',
    'shuffle',
    'duplicates',
    'concurrency',
    'retries',
    'backoff-ms',
  ]),
  sign: new Set(['secret', 'help']),
  dev: new Set(['secret', 'insecure', 'ca', 'help', 'forward-to', 'port']),
  replay: new Set([
    'secret',
    'insecure',
    'ca',
    'help',
    'to',
    'resign',
    'dry-run',
    'bullmq',
    'pg-boss',
    'queue',
    'id',
    'event',
    'tenant',
    'since',
  ]),
}

function printTable(report: SimulationReport, out: NodeJS.WritableStream) {
  const order = (name: string) => INKLESS_EVENTS.indexOf(name as InklessEventName)
  const events = [...report.byEvent].sort(([a], [b]) => order(a) - order(b))
  const rows = events.map(([name, s]) => [
    name,
    String(s.sent),
    String(s.ok),
    String(s.retried),
    String(s.failed),
    quantile(s.latencies, 0.5).toFixed(1),
    quantile(s.latencies, 0.99).toFixed(1),
  ])
  const t = report.total
  const all = [...report.byEvent.values()].flatMap((s) => s.latencies)
  rows.push([
    'total',
    String(t.total),
    String(t.ok),
    String(t.retried),
    String(t.failed),
    quantile(all, 0.5).toFixed(1),
    quantile(all, 0.99).toFixed(1),
  ])
  const head = ['event', 'sent', '2xx', 'retried', 'failed', 'p50 ms', 'p99 ms']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
  out.write(`${line(head)}\n`)
  for (const [i, row] of rows.entries()) {
    if (i === rows.length - 1) out.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`)
    out.write(`${line(row)}\n`)
  }
}

/** Awaits a request to `url`; no answer at all fails with one line naming the URL and why. */
async function reach<T>(url: string, request: Promise<T>): Promise<T> {
  try {
    return await request
  } catch (error) {
    throw new Error(`cannot reach ${redactUrl(url)}: ${networkFailure(error)}`, { cause: error })
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const AGO = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `--since`: an ISO 8601 time, or a duration ago (`30m`, `6h`, `7d`). */
function since(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const ago = /^(\d+)([mhd])$/.exec(value)
  const at = ago ? Date.now() - Number(ago[1]) * AGO[ago[2] as keyof typeof AGO] : Date.parse(value)
  if (Number.isNaN(at))
    throw new UsageError(`--since ${value}: not an ISO 8601 time nor 30m, 6h, 7d`)
  return new Date(at)
}

/** The failed-job filters; refused beside a history file. */
function failedJobFilter(values: Values, flag: QueueFlag | undefined): FailedJobFilter {
  const given = (['queue', 'id', 'event', 'tenant', 'since'] as const).filter(
    (f) => values[f] !== undefined,
  )
  if (flag === undefined && given.length > 0) {
    throw new UsageError(`--${given[0]} selects failed jobs: use it with --bullmq or --pg-boss`)
  }
  const at = since(values.since)
  return {
    ...(values.queue === undefined ? {} : { queueName: values.queue }),
    ...(values.id === undefined ? {} : { ids: values.id }),
    ...(values.event === undefined ? {} : { event: values.event }),
    ...(values.tenant === undefined ? {} : { tenant: values.tenant }),
    ...(at === undefined ? {} : { since: at }),
  }
}

/** The queue flag given, if any; refused beside a history file or another queue. */
function queueFlag(values: Values, positionals: string[]): QueueFlag | undefined {
  const flags = (Object.keys(QUEUE_SOURCES) as QueueFlag[]).filter((f) => values[f] !== undefined)
  if (positionals.length + flags.length !== 1) {
    throw new UsageError(
      'replay takes one source: <history.json>, --bullmq <url> or --pg-boss <url>',
    )
  }
  return flags[0]
}

/** The one source a replay sends: a history file or a queue's failed jobs. */
async function replaySource(values: Values, positionals: string[]): Promise<ReplaySource> {
  const flag = queueFlag(values, positionals)
  const filter = failedJobFilter(values, flag)
  return flag === undefined
    ? historySource(positionals[0] as string)
    : queueSource(flag, values[flag] as string, filter)
}

/** `replay --bullmq <url>` without --to: the failed jobs run again in the queue itself. */
async function rerunFailedJobs(flag: QueueFlag, values: Values): Promise<number> {
  const dryRun = values['dry-run'] ?? false
  const url = values[flag] as string
  const jobs = await replayFailedJobs(flag, url, { ...failedJobFilter(values, flag), dryRun })
  for (const job of jobs) {
    const tenant = job.tenant === undefined ? '' : `  tenant ${job.tenant}`
    const at = job.failedAt === undefined ? '' : `  failed ${job.failedAt.toISOString()}`
    console.log(
      `${job.id}  ${job.event}${tenant}${at}  after ${job.attempts} attempt(s): ${job.reason}`,
    )
  }
  const queue = values.queue ?? 'inkless'
  console.log(
    dryRun
      ? `${jobs.length} failed job(s) of ${queue} would run again; nothing changed (--dry-run)`
      : `${jobs.length} failed job(s) of ${queue} moved back to waiting: the workers run them again`,
  )
  return 0
}

async function replayCommand(
  values: Values,
  positionals: string[],
  dispatcher: ReturnType<typeof createDispatcher> | undefined,
): Promise<number> {
  const dryRun = values['dry-run'] ?? false
  const flag = queueFlag(values, positionals)
  const options = { secret: values.secret, resign: values.resign ?? false, dispatcher }
  try {
    if (flag !== undefined && values.to === undefined) return await rerunFailedJobs(flag, values)
    const target = dryRun && values.to === undefined ? undefined : url(values.to, '--to <url>')
    const source = await replaySource(values, positionals)
    if (dryRun) {
      let count = 0
      try {
        for await (const delivery of source.deliveries()) {
          const { body } = replayRequest(delivery, options)
          const how = options.resign ? 're-signed' : 'as-is'
          console.log(`${delivery.label}  ${Buffer.byteLength(body)} bytes  ${how}`)
          count++
        }
      } finally {
        await source.close?.()
      }
      console.log(`${count} deliveries from ${source.name}; nothing sent (--dry-run)`)
      return 0
    }
    let sent = 0
    let failed = 0
    const hinted = new Set<number>()
    for await (const { delivery, answer, error } of replay(source, target as string, options)) {
      sent++
      if (answer?.ok) {
        console.log(`${delivery.label}  ${answerLine(answer)} (${answer.durationMs.toFixed(1)} ms)`)
        continue
      }
      failed++
      console.log(
        `${delivery.label}  ${answer ? answerLine(answer) : `cannot reach ${redactUrl(target as string)}: ${networkFailure(error)}`}`,
      )
      const hint =
        answer && !hinted.has(answer.status)
          ? statusHint(
              answer.status,
              options.resign
                ? secretSource(values.secret)
                : 'the secret of the recorded signature (--resign signs with --secret)',
            )
          : undefined
      if (hint && answer) {
        hinted.add(answer.status)
        console.log(hint)
      }
    }
    console.log(
      failed === 0
        ? `${sent} deliveries replayed to ${redactUrl(target as string)}, all answered 2xx`
        : `${failed} of ${sent} deliveries replayed to ${redactUrl(target as string)} ended without a 2xx`,
    )
    return failed === 0 ? 0 : 1
  } catch (error) {
    if (error instanceof HistoryError) throw new UsageError(error.message)
    throw error
  }
}

/** `--header 'Name: value'` as a [name, value] pair. */
function header(option: string): [string, string] {
  const colon = option.indexOf(':')
  const name = option.slice(0, colon).trim().toLowerCase()
  if (colon < 1 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
    throw new UsageError(`--header "${option}": expected "Name: value"`)
  }
  return [name, option.slice(colon + 1).trim()]
}

/** The fields of a --data file: a JSON object, nothing else. */
function dataFile(path: string): Record<string, unknown> {
  let fields: unknown
  try {
    fields = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new UsageError(`--data ${path}: ${(error as Error).message}`)
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    const kind = Array.isArray(fields)
      ? 'an array'
      : fields === null
        ? 'null'
        : `a ${typeof fields}`
    throw new UsageError(`--data ${path}: expected a JSON object of fields to merge, got ${kind}`)
  }
  return fields as Record<string, unknown>
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version') {
    // The package's own manifest, shipped beside dist/ (and exported as ./package.json).
    console.log(createRequire(import.meta.url)('../package.json').version)
    return 0
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
  }
  const help = HELP[command]
  if (help === undefined) throw new UsageError(`unknown command "${command}"`)
  current = command
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true })
  } catch (error) {
    const { code, message } = error as { code?: string; message: string }
    // Node's own text goes on about '--' and positionals: the option's name is what helps.
    const unknown =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '([^']+)'/.exec(message) : null
    throw new UsageError(
      unknown ? `unknown option ${unknown[1]}` : (message.split('\n')[0] as string),
    )
  }
  const { values, positionals } = parsed
  if (values.help) {
    console.log(help)
    return 0
  }
  for (const key of Object.keys(values)) {
    if (!allowed[command]?.has(key)) throw new UsageError(`--${key} does not apply to "${command}"`)
  }
  const dispatcher =
    values.ca || values.insecure
      ? createDispatcher({ ca: values.ca, insecure: values.insecure })
      : undefined

  if (command === 'sign') {
    if (positionals.length > 0)
      throw new UsageError('sign takes no arguments; pipe the body on stdin')
    // From a terminal it would wait, silently, for a body typed by hand (and sign its newline).
    if (process.stdin.isTTY) {
      throw new UsageError(
        `sign reads the body from a pipe: printf '%s' "$BODY" | inkless-webhooks sign`,
      )
    }
    const key = secret(values)
    console.log(signPayload(await readStdin(), key))
    return 0
  }
  if (command === 'replay') return replayCommand(values, positionals, dispatcher)
  if (command === 'dev') {
    if (positionals.length > 0)
      throw new UsageError('dev takes no arguments; pass --forward-to <url>')
    const port = integer(values, 'port', 4141)
    if (port > 65535) throw new UsageError('--port must be an integer ≤ 65535')
    const inspector = await startInspector({
      forwardTo: url(values['forward-to'], '--forward-to <url>'),
      secret: secret(values),
      secretFrom: secretSource(values.secret),
      port,
      dispatcher,
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new UsageError(`port ${values.port ?? 4141} is in use: pass --port`)
      throw error
    })
    console.log(
      `inspector: ${inspector.url}  (forwarding to ${redactUrl(values['forward-to'] as string)}; Ctrl-C stops it)`,
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await inspector.close()
    return 0
  }
  const target = url(positionals[0])
  if (command === 'handshake') {
    if (positionals.length > 1) throw new UsageError('handshake takes one <url>')
    const result = await reach(target, sendHandshake(target, { dispatcher }))
    console.log(
      result.passed
        ? `pass: ${redactUrl(target)} answered the handshake (${result.durationMs.toFixed(1)} ms)`
        : `fail: ${result.problem}`,
    )
    const hint = result.passed ? undefined : statusHint(result.status)
    if (hint) console.log(hint)
    return result.passed ? 0 : 1
  }
  if (command === 'send') {
    const raw = values.raw
    const name = positionals[1]
    if (raw === undefined && !name) throw new UsageError('missing <event>')
    if (name !== undefined && !INKLESS_EVENTS.includes(name as InklessEventName)) {
      const near = closest(name, INKLESS_EVENTS)
      throw new UsageError(`unknown event "${name}"${near ? `; did you mean "${near}"?` : ''}`)
    }
    if (positionals.length > (raw === undefined ? 2 : 1)) {
      throw new UsageError(
        raw === undefined
          ? 'send takes <url> <event>'
          : '--raw takes the event from the file: send <url> --raw <file>',
      )
    }
    const headers = Object.fromEntries((values.header ?? []).map(header))
    let body: string
    if (raw !== undefined) {
      for (const option of ['document-token', 'secure-link-id', 'data'] as const) {
        if (values[option] !== undefined)
          throw new UsageError(`--${option} does not apply to --raw: the file is sent as it is`)
      }
      try {
        body = readFileSync(raw, 'utf8')
      } catch (error) {
        throw new UsageError(`--raw ${raw}: ${(error as Error).message}`)
      }
    } else {
      const overrides: Record<string, unknown> = {}
      if (values['document-token'] !== undefined)
        overrides.document_token = values['document-token']
      if (values['secure-link-id'] !== undefined)
        overrides.secure_link_id = integer(values, 'secure-link-id', 0, 1)
      if (values.data !== undefined) Object.assign(overrides, dataFile(values.data))
      body = JSON.stringify(createTestEvent(name as InklessEventName, overrides))
    }
    const res = await reach(
      target,
      sendWebhook(target, body, { secret: secret(values), dispatcher, headers }),
    )
    console.log(`${answerLine(res)} (${res.durationMs.toFixed(1)} ms)`)
    const hint = res.ok ? undefined : statusHint(res.status, secretSource(values.secret))
    if (hint) console.log(hint)
    console.log(body)
    return res.ok ? 0 : 1
  }
  // simulate
  if (positionals.length > 1) throw new UsageError('simulate takes one <url>')
  const duplicates = values.duplicates === undefined ? 0 : Number(values.duplicates)
  if (!(duplicates >= 0 && duplicates <= 1))
    throw new UsageError('--duplicates must be between 0 and 1')
  const settings = {
    secret: secret(values),
    dispatcher: dispatcher ?? createDispatcher(),
    envelopes: integer(values, 'envelopes', 1, 1),
    signers: integer(values, 'signers', 2, 1),
    concurrency: integer(values, 'concurrency', 8, 1),
    retries: integer(values, 'retries', 5),
    backoffMs: integer(values, 'backoff-ms', 200),
    shuffle: values.shuffle ?? false,
    duplicates,
  }
  const tty = process.stderr.isTTY
  let shown = 0
  const report = await reach(
    target,
    simulate(target, {
      ...settings,
      onProgress: (p) => {
        const now = performance.now()
        if (p.done !== p.total && now - shown < (tty ? 100 : 2000)) return
        shown = now
        const line = `delivered ${p.done}/${p.total}  2xx ${p.ok}  retries ${p.retried}  failed ${p.failed}`
        process.stderr.write(tty ? `\r${line}` : `${line}\n`)
      },
    }),
  )
  if (tty) process.stderr.write('\n')
  await settings.dispatcher.close()
  if (report.handshake) {
    console.log(
      report.handshake.passed ? 'handshake: pass' : `handshake: fail (${report.handshake.problem})`,
    )
  }
  const { stoppedBy, lastFailure } = report
  if (stoppedBy) {
    // The secret, URL or body limit is wrong: one line on what to check, not a table.
    const hint = statusHint(stoppedBy.status, secretSource(values.secret))
    if (hint) console.log(hint)
    console.log(`the server answered: ${answerLine(stoppedBy)}`)
    return 1
  }
  printTable(report, process.stdout)
  const { failed } = report.total
  console.log(
    failed === 0
      ? `all ${report.total.total} deliveries answered 2xx in ${(report.durationMs / 1000).toFixed(2)} s`
      : `${failed} deliveries ended without a 2xx${
          lastFailure instanceof Error
            ? `; last error: ${networkFailure(lastFailure)}`
            : lastFailure
              ? `; last answer: ${answerLine(lastFailure)}`
              : ''
        }`,
  )
  return failed === 0 && report.handshake?.passed !== false ? 0 : 1
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`inkless-webhooks: ${error.message}\n`)
      console.error(HELP[current ?? ''] ?? USAGE)
      process.exitCode = 2
    } else {
      console.error(`inkless-webhooks: ${(error as Error).message}`)
      process.exitCode = 1
    }
  },
)
