import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { INKLESS_EVENTS } from '@inkless-webhooks/core'
import type { Dispatcher } from 'undici'
import { networkFailure, redactUrl, statusHint } from './explain.js'
import { buildHandshakeRequest, buildSignedRequest, createTestEvent } from './fixtures.js'
import { inspectorPage } from './inspector-page.js'
import { type DeliveryHistory, HISTORY_FORMAT, type HistoryEntry, replayRequest } from './replay.js'
import { handshakeProblem, post } from './send.js'
import { simulate } from './simulate.js'

/** How `inkless-webhooks dev` runs. */
export interface InspectorOptions {
  /** Where deliveries go. */
  readonly forwardTo: string
  /** The webhook secret deliveries are signed with. */
  readonly secret: string
  /** Where the secret came from, for a 401's explanation. */
  readonly secretFrom: string
  /** The page's port on 127.0.0.1; 0 picks a free one. */
  readonly port: number
  /** For a self-signed certificate on an https:// target. */
  readonly dispatcher?: Dispatcher
}

/** A row of the page: a history entry, and what its 4xx/5xx or missing answer likely means. */
type Row = HistoryEntry & { readonly explanation?: string; readonly note?: string }

// A session's history is kept in memory: bounded, the oldest rows dropped first.
const MAX_ROWS = 2000
const MAX_REQUEST_BYTES = 1 << 20
// One play of the page's simulate form stays a size the page can show.
const LIMITS = { envelopes: 20, signers: 10, retries: 5 }

/** The answer to a bad request to the inspector's own endpoints. */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Starts the inspector on 127.0.0.1; resolves with its URL and a close(). */
export async function startInspector(options: InspectorOptions) {
  const rows: Row[] = []
  const streams = new Set<ServerResponse>()
  let nextId = 1
  const { forwardTo, secret, dispatcher } = options
  // What the page, the errors and an exported history show: no credentials from the URL.
  const shownTarget = redactUrl(forwardTo)

  function publish(row: Row) {
    rows.push(row)
    if (rows.length > MAX_ROWS) rows.shift()
    for (const stream of streams) stream.write(`data: ${JSON.stringify(row)}\n\n`)
  }

  /** Sends one request to the target and records it, with its answer or why none came. */
  async function deliver(
    kind: HistoryEntry['kind'],
    request: { headers: Record<string, string>; body: string },
    extra: {
      note?: string
      check?: (answer: Awaited<ReturnType<typeof post>>) => string | undefined
    } = {},
  ): Promise<Row> {
    const at = new Date().toISOString()
    const started = performance.now()
    let answer: Awaited<ReturnType<typeof post>> | undefined
    let error: string | undefined
    try {
      answer = await post(forwardTo, request, { dispatcher })
    } catch (cause) {
      error = `cannot reach ${shownTarget}: ${networkFailure(cause)}`
    }
    const row = entry(
      kind,
      at,
      request,
      answer,
      error,
      answer?.durationMs ?? performance.now() - started,
    )
    // A status's own hint says more than "expected status 200" (a 404: check the path).
    const explanation =
      (answer && answer.status >= 400
        ? (statusHint(answer.status, options.secretFrom) ?? serverErrorHint(answer.status))
        : undefined) ??
      (answer && extra.check?.(answer))
    const shown: Row = {
      ...row,
      ...(explanation ? { explanation } : {}),
      ...(extra.note ? { note: extra.note } : {}),
    }
    publish(shown)
    return shown
  }

  function entry(
    kind: HistoryEntry['kind'],
    at: string,
    request: { headers: Record<string, string>; body: string },
    answer: Awaited<ReturnType<typeof post>> | undefined,
    error: string | undefined,
    durationMs: number,
  ): HistoryEntry {
    let payload: unknown
    try {
      payload = JSON.parse(request.body)
    } catch {}
    const fields = isRecord(payload) ? payload : {}
    return {
      id: nextId++,
      at,
      kind,
      ...(typeof fields.event === 'string' ? { event: fields.event } : {}),
      ...(typeof fields.document_token === 'string'
        ? { documentToken: fields.document_token }
        : {}),
      request: { url: shownTarget, headers: request.headers, body: request.body },
      ...(answer
        ? {
            response: {
              status: answer.status,
              headers: Object.fromEntries(answer.headers),
              body: answer.body,
            },
          }
        : {}),
      ...(error ? { error } : {}),
      durationMs,
    }
  }

  const past = (id: unknown): Row => {
    const row = rows.find((r) => r.id === id)
    if (!row) throw new BadRequest(404, `no delivery #${String(id)} in this session`)
    if (row.kind === 'handshake')
      throw new BadRequest(400, 'a handshake is not a delivery to redeliver')
    return row
  }

  const count = (
    input: Record<string, unknown>,
    name: keyof typeof LIMITS,
    fallback: number,
    min: number,
  ) => {
    const value = input[name] ?? fallback
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > LIMITS[name]) {
      throw new BadRequest(400, `${name} must be an integer from ${min} to ${LIMITS[name]}`)
    }
    return value as number
  }

  /** The inspector's actions, by path: each takes the posted JSON object. */
  const actions: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    '/api/handshake': async () => {
      const request = buildHandshakeRequest()
      return deliver('handshake', request, { check: (answer) => handshakeProblem(request, answer) })
    },
    '/api/send': async (input) => {
      if (typeof input.body !== 'string')
        throw new BadRequest(400, '"body" must be the payload as a JSON string')
      let payload: unknown
      try {
        payload = JSON.parse(input.body)
      } catch (error) {
        throw new BadRequest(400, `the payload is not JSON: ${(error as Error).message}`)
      }
      if (!isRecord(payload)) throw new BadRequest(400, 'the payload must be a JSON object')
      // The payload is sent as typed: an unknown event name is a test of the server's answer to it.
      return deliver('event', buildSignedRequest(input.body, { secret }))
    },
    '/api/redeliver': async (input) => {
      const row = past(input.id)
      const resign = input.mode === 'resign'
      if (!resign && input.mode !== 'as-is')
        throw new BadRequest(400, '"mode" must be "as-is" or "resign"')
      const request = replayRequest({ label: `#${row.id}`, ...row.request }, { secret, resign })
      return deliver('redelivery', request, {
        note: resign ? `#${row.id} re-signed with a new timestamp` : `#${row.id} as-is`,
      })
    },
    '/api/forge': async (input) => {
      const row = past(input.id)
      const request = buildSignedRequest(row.request.body, { secret: `not-${secret}` })
      return deliver('forged', request, { note: `#${row.id} signed with a wrong secret` })
    },
    '/api/simulate': async (input) => {
      const duplicates = input.duplicates ?? 0
      if (typeof duplicates !== 'number' || !(duplicates >= 0 && duplicates <= 1)) {
        throw new BadRequest(400, 'duplicates must be a number from 0 to 1')
      }
      const settings = {
        envelopes: count(input, 'envelopes', 1, 1),
        signers: count(input, 'signers', 2, 1),
        retries: count(input, 'retries', 0, 0),
        shuffle: input.shuffle === true,
        duplicates,
      }
      const report = await simulate(forwardTo, {
        ...settings,
        secret,
        dispatcher,
        handshake: false,
        concurrency: 1,
        backoffMs: 100,
        onAttempt: ({ delivery, retry, answer, error }) => {
          const request = buildSignedRequest(delivery.body, { secret })
          const at = new Date(Date.now() - (answer?.durationMs ?? 0)).toISOString()
          const row = entry(
            'event',
            at,
            request,
            answer,
            error ? `cannot reach ${shownTarget}: ${networkFailure(error)}` : undefined,
            answer?.durationMs ?? 0,
          )
          const explanation =
            answer && answer.status >= 400
              ? (statusHint(answer.status, options.secretFrom) ?? serverErrorHint(answer.status))
              : undefined
          const note = [delivery.duplicate ? 'sent twice' : '', retry > 0 ? `retry ${retry}` : '']
            .filter(Boolean)
            .join(', ')
          publish({ ...row, ...(explanation ? { explanation } : {}), ...(note ? { note } : {}) })
        },
      })
      return { ...report.total, stopped: report.stoppedBy?.status }
    },
  }

  const origins = (port: number) => new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  let allowedHosts = new Set<string>()

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      // A page elsewhere can post a form or text/plain without asking; JSON needs a preflight.
      throw new BadRequest(415, 'send application/json')
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_REQUEST_BYTES) throw new BadRequest(413, 'the request is over 1 MiB')
      chunks.push(chunk as Buffer)
    }
    let input: unknown
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
    } catch {
      throw new BadRequest(400, 'the request body is not JSON')
    }
    if (!isRecord(input)) throw new BadRequest(400, 'the request body must be a JSON object')
    return input
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    // DNS rebinding: a name that resolves to 127.0.0.1 reaches this server with its own Host.
    if (!allowedHosts.has(req.headers.host ?? '')) throw new BadRequest(421, 'unknown Host')
    // CSRF: another site's page in this browser sends its own Origin.
    const origin = req.headers.origin
    if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
      throw new BadRequest(403, 'cross-origin requests are refused')
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (req.method === 'GET' && path === '/') {
      const fixtures = Object.fromEntries(
        INKLESS_EVENTS.map((name) => [name, createTestEvent(name)]),
      )
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // Only the page's own inline script and styles, and requests to itself.
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
        'x-frame-options': 'DENY',
      })
      res.end(inspectorPage({ forwardTo: shownTarget, secretFrom: options.secretFrom, fixtures }))
      return
    }
    if (req.method === 'GET' && path === '/api/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      for (const row of rows) res.write(`data: ${JSON.stringify(row)}\n\n`)
      streams.add(res)
      res.on('close', () => streams.delete(res))
      return
    }
    if (req.method === 'GET' && path === '/api/history.json') {
      const history: DeliveryHistory = {
        format: HISTORY_FORMAT,
        version: 1,
        deliveries: rows.map(({ explanation: _, note: __, ...entry }) => entry),
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-disposition': 'attachment; filename="inkless-history.json"',
      })
      res.end(JSON.stringify(history, null, 2))
      return
    }
    const action = actions[path]
    if (action === undefined) throw new BadRequest(404, 'not found')
    if (req.method !== 'POST') throw new BadRequest(405, 'use POST')
    const result = await action(await readJson(req))
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result))
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const status = error instanceof BadRequest ? error.status : 500
      const message =
        error instanceof BadRequest ? error.message : 'the inspector failed; see its terminal'
      if (!(error instanceof BadRequest))
        console.error(`inkless-webhooks dev: ${(error as Error).stack}`)
      if (res.headersSent) return void res.end()
      res
        .writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
        .end(message)
      req.resume()
    })
  })
  server.listen(options.port, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  allowedHosts = origins(port)
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      for (const stream of streams) stream.end()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

const serverErrorHint = (status: number) =>
  status >= 500
    ? `${status}: the server failed or is unavailable; Inkless retries it. See the server's log`
    : undefined
