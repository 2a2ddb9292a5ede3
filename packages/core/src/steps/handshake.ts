import { InklessWebhookError } from '../errors.js'
import { getHeader } from '../headers.js'
import { andThen, isThenable } from '../maybe-async.js'
import { asHandshake, mayBeHandshake, parseJson } from '../parse.js'
import * as answer from '../responses.js'
import type { StepContext } from './context.js'
import { extend, type NotHandshake, type Read, type Step } from './stages.js'

/**
 * The handshake rule (docs/requests.md): a body of at most 1 KiB that is a
 * JSON object with a string `verification_secret` and no `event`. It is parsed here, once;
 * larger bodies are never parsed before their signature holds.
 */
export function handshakeStep({
  options,
  platform,
  secretsFor,
  report,
}: StepContext): Step<Read, NotHandshake> {
  // For the `signed` flag only: a missing secret or failed lookup means unsigned.
  const secretsOrUndefined = (d: Read) => {
    try {
      const found = secretsFor(d.tenant)
      return isThenable(found) ? found.catch(() => undefined) : found
    } catch {
      return undefined
    }
  }
  return (d) => {
    const { rawBody } = d
    if (!mayBeHandshake(rawBody)) return extend(d, 'parsed', undefined)
    const parsed = parseJson(rawBody)
    const verification = asHandshake(parsed)
    if (verification === undefined) return extend(d, 'parsed', parsed)
    const onVerification = options.onVerification
    // Without a callback nobody reads `signed`: no HMAC to compute.
    if (!onVerification) return answer.reply(200, verification.verification_secret)
    const signature = getHeader(d.request.headers, 'x-inkless-signature')
    const signed =
      signature === undefined
        ? false
        : andThen(secretsOrUndefined(d), (found) =>
            found === undefined ? false : platform.verify(rawBody, signature, found.secrets),
          )
    return andThen(signed, async (isSigned) => {
      try {
        const verdict = await onVerification(verification, {
          headers: d.request.headers,
          signed: isSigned,
        })
        if (verdict === false) return answer.REFUSED
      } catch (error) {
        report(
          d,
          {
            level: 'error',
            error: new InklessWebhookError(
              'verification_failed',
              'onVerification threw; the handshake was answered 500.',
              { cause: error },
            ),
          },
          answer.HANDLER_FAILED,
        )
        return answer.HANDLER_FAILED
      }
      return answer.reply(200, verification.verification_secret)
    })
  }
}
