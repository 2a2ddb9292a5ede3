import type { Delivery } from './send.js'

/** What to check when the server answers with a status no retry changes. */
const STATUS_HINTS: Readonly<Record<number, (secretFrom: string) => string>> = {
  401: (secretFrom) =>
    `401 invalid signature: is ${secretFrom} the webhook secret configured on the server?`,
  404: () =>
    "404 not found: nothing at that path; check the URL's path and the server's path option",
  405: () => '405 method not allowed: the URL answers, but not to POST; check its path',
  413: () => "413 payload too large: a delivery is over the server's maxBodyBytes",
}

/** Where the signing secret came from, as a 401's hint names it. */
export const secretSource = (flag: string | undefined): string =>
  flag === undefined ? 'INKLESS_WEBHOOK_SECRET (no --secret given)' : '--secret'

/** The one-line hint for `status`, if it has one; a 401's names where the secret came from. */
export function statusHint(status: number, secretFrom = '--secret'): string | undefined {
  return STATUS_HINTS[status]?.(secretFrom)
}

const MAX_BODY_CHARS = 200

/** `url` without its userinfo (`user:password@`), for messages; unparseable text cut there too. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.username === '' && parsed.password === '') return url
    parsed.username = ''
    parsed.password = ''
    return parsed.href.replace('://', '://***@')
  } catch {
    return url.replace(/\/\/[^/?#]*@/, '//***@')
  }
}

/**
 * `status body`, the body on one line and cut to a readable length (an HTML page can be
 * long); for a redirect, where it points, since it is not followed.
 */
export function answerLine(answer: Delivery): string {
  const location = answer.headers.get('location')
  if (answer.status >= 300 && answer.status < 400 && location !== null) {
    return `${answer.status} redirect to ${redactUrl(location)} (not followed: if that is the webhook, use its URL)`
  }
  // A framework's HTML error page: its text says it ("Cannot POST /nope"), not its markup.
  const text = /^\s*<(!doctype|html)/i.test(answer.body)
    ? answer.body.replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')
    : answer.body
  const body = text.replace(/\s+/g, ' ').trim()
  const shown = body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS - 1)}…` : body
  return `${answer.status} ${shown || '(empty body)'}`
}

type SystemError = Error & { code?: string }

const CERTIFICATE_HINT =
  "pass --ca <file> to trust the server's certificate, or --insecure to accept any"

const CODE_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'is the server running, on that port?',
  ENOTFOUND: 'check the host name',
  EAI_AGAIN: 'check the host name',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS there: is the URL http://?',
  DEPTH_ZERO_SELF_SIGNED_CERT: CERTIFICATE_HINT,
  SELF_SIGNED_CERT_IN_CHAIN: CERTIFICATE_HINT,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: CERTIFICATE_HINT,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: CERTIFICATE_HINT,
  CERT_HAS_EXPIRED: CERTIFICATE_HINT,
  ERR_TLS_CERT_ALTNAME_INVALID: CERTIFICATE_HINT,
}

/**
 * Why no answer came back, in one line: fetch rejects with a bare "fetch failed" and hides
 * the system error (ECONNREFUSED, ENOTFOUND, a certificate error) in its `cause` chain.
 */
export function networkFailure(error: unknown): string {
  let cause = error as SystemError
  for (;;) {
    const next = cause.cause ?? (cause instanceof AggregateError ? cause.errors[0] : undefined)
    if (!(next instanceof Error)) break
    cause = next
  }
  // A DOMException (a timeout) has a numeric legacy code.
  const code = typeof cause.code === 'string' ? cause.code : undefined
  // OpenSSL's own messages are a line of internals; its code says it better.
  const message = code?.startsWith('ERR_SSL_') ? '' : (cause.message.split('\n')[0] ?? '')
  const what =
    code === undefined || message.includes(code)
      ? message
      : message === ''
        ? code
        : `${message} (${code})`
  const hint = code === undefined ? undefined : CODE_HINTS[code]
  if (hint !== undefined) return `${what}; ${hint}`
  // fetch refuses ports browsers block (1, 9, 6000…) before trying to connect.
  return what === 'bad port'
    ? 'fetch refuses this port (blocked like in browsers): use another one'
    : what
}
