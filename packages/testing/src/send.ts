import { readFileSync } from 'node:fs'
import { Agent, type Dispatcher, fetch } from 'undici'
import {
  buildHandshakeRequest,
  buildSignedRequest,
  type HandshakeRequest,
  type SignOptions,
} from './fixtures.js'

/** How to sign and send a delivery. */
export interface SendOptions extends SignOptions {
  /** An undici dispatcher, e.g. from `createDispatcher({ ca })` for a self-signed certificate. */
  readonly dispatcher?: Dispatcher
  /** Give up after this many ms. Default 10,000. */
  readonly timeoutMs?: number
  /** Cancels the request. */
  readonly signal?: AbortSignal
}

/** The endpoint's HTTP answer to one delivery. */
export interface WebhookResponse {
  /** The HTTP status. A redirect is never followed: a 3xx is the answer, `Location` in `headers`. */
  readonly status: number
  /** 2xx, the answer Inkless treats as delivered. */
  readonly ok: boolean
  /** The answer's headers. */
  readonly headers: Headers
  /** The answer's body, as text. */
  readonly body: string
  /** From sending to the end of the answer, in ms. */
  readonly durationMs: number
}

/** @deprecated Use {@link WebhookResponse}: it is the endpoint's answer, not the delivery. */
export type Delivery = WebhookResponse

export async function post(
  url: string,
  init: { headers: Record<string, string>; body: string },
  options: SendOptions,
): Promise<WebhookResponse> {
  const started = performance.now()
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000)
  const res = await fetch(url, {
    method: 'POST',
    headers: init.headers,
    body: init.body,
    // A signed body and its signature go to the URL given, never where a 3xx points.
    redirect: 'manual',
    dispatcher: options.dispatcher,
    signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
  })
  const body = await res.text()
  return {
    status: res.status,
    ok: res.ok,
    headers: res.headers as Headers,
    body,
    durationMs: performance.now() - started,
  }
}

/** Signs and POSTs one delivery, as Inkless would; rejects only if no answer came back. */
export function sendWebhook(
  url: string,
  eventOrRawBody: object | string,
  options: SendOptions = {},
): Promise<WebhookResponse> {
  return post(url, buildSignedRequest(eventOrRawBody, options), options)
}

/** The endpoint's answer to the handshake, and whether Inkless would accept it. */
export interface HandshakeResult extends WebhookResponse {
  /** 200, body exactly the verification secret, text/plain. */
  readonly passed: boolean
  /** Why it did not pass, in one line. */
  readonly problem?: string
}

/** Sends the verification handshake and checks the answer the way Inkless does. */
export async function sendHandshake(
  url: string,
  options: Omit<SendOptions, 'secret'> = {},
): Promise<HandshakeResult> {
  const request = buildHandshakeRequest()
  const res = await post(url, request, options)
  const problem = handshakeProblem(request, res)
  return problem === undefined ? { ...res, passed: true } : { ...res, passed: false, problem }
}

/** Why Inkless would not accept `res` as the answer to `request`, or undefined if it would. */
export function handshakeProblem(
  request: HandshakeRequest,
  res: WebhookResponse,
): string | undefined {
  const type = res.headers.get('content-type') ?? ''
  return res.status !== 200
    ? `expected status 200, got ${res.status}`
    : res.body !== request.verificationSecret
      ? 'the body is not exactly the verification_secret'
      : !type.startsWith('text/plain')
        ? `expected content-type text/plain, got ${type || 'none'}`
        : undefined
}

/** A keep-alive dispatcher; `ca` trusts a local certificate, `insecure` trusts any. */
export function createDispatcher(
  options: { ca?: string; insecure?: boolean; connections?: number } = {},
): Agent {
  return new Agent({
    connections: options.connections ?? 64,
    connect: {
      ...(options.ca ? { ca: readFileSync(options.ca) } : {}),
      ...(options.insecure ? { rejectUnauthorized: false } : {}),
    },
  })
}
