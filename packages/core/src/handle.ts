import { InklessWebhookError } from './errors.js'
import { isThenable } from './maybe-async.js'
import type { HandleOptions, InklessRequest, InklessResponse } from './request.js'
import * as answer from './responses.js'
import { acceptStep } from './steps/accept.js'
import { authenticateStep } from './steps/authenticate.js'
import { claimStep } from './steps/claim.js'
import { createStepContext, type HandlerParts } from './steps/context.js'
import { dispatchStep } from './steps/dispatch.js'
import { handshakeStep } from './steps/handshake.js'
import { parseStep } from './steps/parse.js'
import { readStep } from './steps/read.js'
import { chain, type DeliveryFacts, type Received, received } from './steps/stages.js'

export type { HandlerParts } from './steps/context.js'

/**
 * `handle()` as named steps (one file each under steps/): accept → read → handshake →
 * authenticate → parse → claim → dispatch. Each takes the stage the previous one returns
 * (steps/stages.ts), so running them out of order does not compile.
 */
export function createHandle(parts: HandlerParts) {
  const context = createStepContext(parts)
  const { telemetry, report } = context
  const run = chain(
    acceptStep(context),
    chain(
      readStep(context),
      chain(
        handshakeStep(context),
        chain(
          authenticateStep(context),
          chain(parseStep(context), chain(claimStep(context), dispatchStep(context))),
        ),
      ),
    ),
  )

  const bug = (d: Received) => (error: unknown) => {
    // Only a bug can get here; answer without details rather than crash the server.
    report(
      d,
      {
        level: 'error',
        error: new InklessWebhookError('internal', 'An unexpected error; answered 500.', {
          cause: error,
        }),
      },
      answer.HANDLER_FAILED,
    )
    return answer.HANDLER_FAILED
  }

  const answerOf = (d: Received): Promise<InklessResponse> => {
    try {
      const result = run(d)
      return isThenable(result) ? result.then(undefined, bug(d)) : Promise.resolve(result)
    } catch (error) {
      return Promise.resolve(bug(d)(error))
    }
  }

  return (request: InklessRequest, handleOptions?: HandleOptions): Promise<InklessResponse> => {
    const d = received(request, handleOptions, parts.config.now())
    // The span reads the facts (event, tenant, dedupe key) the steps add to `d` meanwhile.
    const facts: DeliveryFacts = d
    const recording = telemetry?.begin(facts)
    if (recording === undefined) return answerOf(d)
    d.recording = recording
    return recording
      .run(() => answerOf(d))
      .then((response) => {
        recording.answered(response)
        return response
      })
  }
}
