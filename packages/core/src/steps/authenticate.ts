import { mismatchHint } from '../diagnostics.js'
import { InklessWebhookError } from '../errors.js'
import { getHeader } from '../headers.js'
import { andThen, isThenable, type MaybePromise } from '../maybe-async.js'
import { warning } from '../report.js'
import type { InklessResponse } from '../request.js'
import * as answer from '../responses.js'
import type { SecretsFor } from '../secrets.js'
import type { StepContext } from './context.js'
import { type Authenticated, extend, type NotHandshake, type Step } from './stages.js'

/** `X-Inkless-Alg`, then one HMAC per secret. Nothing else proportional to the body. */
export function authenticateStep({
  config,
  platform,
  secretsFor,
  report,
  reportOnce,
  allowed,
  counted,
}: StepContext): Step<NotHandshake, Authenticated> {
  const lookupFailed = counted(
    'secret_lookup_failed',
    answer.LOOKUP_FAILED,
    "whose tenant's secret lookup failed or passed its deadline (503, so Inkless retries)",
    'error',
  )
  const rejected = counted(
    'signature_rejected',
    answer.BAD_SIGNATURE,
    'with an invalid signature',
    'warn',
    "; if Inkless's deliveries are among them, check the secret",
  )
  const unknownTenant =
    config.unknownTenant === 'invalid-signature' ? answer.BAD_SIGNATURE : answer.UNKNOWN_TENANT
  /**
   * 401, with a hint to the operator when the cause is certain and the rate limit allows;
   * else counted. The hint's minute is spent only when a hint is printed, so forgeries cannot
   * hide it; it costs an HMAC only for a secret with surrounding whitespace.
   */
  const diagnose = (d: NotHandshake, header: unknown, secrets: readonly string[]) => {
    const hint = mismatchHint({
      rawBody: d.rawBody,
      header,
      secrets,
      keptBy: d.request.keptBy,
      verify: platform.verify,
    })
    return andThen(hint, (text) => {
      if (text !== undefined && allowed('signature_mismatch')) {
        report(
          d,
          warning('signature_mismatch', `Signature mismatch. ${text}`),
          answer.BAD_SIGNATURE,
        )
      } else rejected(d)
      return answer.BAD_SIGNATURE
    })
  }

  /** The signature against the secrets found for the tenant. */
  const check = (
    d: NotHandshake,
    found: Awaited<ReturnType<SecretsFor>>,
  ): MaybePromise<Authenticated | InklessResponse> => {
    if (found === undefined) return unknownTenant
    // The tenant's own id, when its lookup gave one, from here on: dedupe key, job, context.
    const named = found.id === undefined ? d : extend(d, 'tenant', found.id)
    const signature = getHeader(named.request.headers, 'x-inkless-signature')
    const verified = platform.verify(named.rawBody, signature, found.secrets)
    if (isThenable(verified)) {
      return verified.then((ok) => verdict(named, signature, found.secrets, ok))
    }
    return verdict(named, signature, found.secrets, verified)
  }
  const verdict = (d: NotHandshake, signature: unknown, secrets: readonly string[], ok: boolean) =>
    ok ? extend(d, 'signed', true as const) : diagnose(d, signature, secrets)

  return (d) => {
    const { headers } = d.request
    const alg = getHeader(headers, 'x-inkless-alg')
    if (
      alg !== undefined &&
      alg !== 'SHA256' &&
      (typeof alg !== 'string' || alg.toLowerCase() !== 'sha256')
    )
      return answer.BAD_ALGORITHM
    let secrets: ReturnType<SecretsFor>
    try {
      secrets = secretsFor(d.tenant)
    } catch (error) {
      // Only INKLESS_WEBHOOK_SECRET read at the first request can throw here.
      reportOnce(
        d,
        {
          level: 'error',
          error: new InklessWebhookError(
            'secret_missing',
            // The console line adds its own prefix.
            String(error instanceof Error ? error.message : error).replace(
              /^inkless-webhooks: /,
              '',
            ),
          ),
        },
        answer.NO_SECRET,
      )
      return answer.NO_SECRET
    }
    // A static secret (or a cached lookup) and node:crypto answer synchronously: no closure then.
    const verified = isThenable(secrets)
      ? secrets.then((found) => check(d, found))
      : check(d, secrets)
    return isThenable(verified)
      ? verified.catch((error: unknown) => {
          lookupFailed(d, error)
          return answer.LOOKUP_FAILED
        })
      : verified
  }
}
