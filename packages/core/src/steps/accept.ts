import { consumedBodyFix, isReadableBody } from '../body.js'
import { InklessWebhookError } from '../errors.js'
import { getHeader } from '../headers.js'
import * as answer from '../responses.js'
import { nameTenant } from '../tenants.js'
import type { StepContext } from './context.js'
import { type Accepted, extend, type Received, type Step } from './stages.js'

/** Method, a body an upstream parser consumed, a declared length over the limit, the tenant. */
export function acceptStep({
  options,
  config,
  report,
  counted,
}: StepContext): Step<Received, Accepted> {
  let consumedReported = false
  const tenantFailed = counted(
    'tenant_failed',
    answer.NO_TENANT,
    'whose tenant() threw (answered 404)',
  )
  return (d) => {
    const { request } = d
    if (request.method.toUpperCase() !== 'POST') return answer.NOT_POST
    const body = request.rawBody
    if (!isReadableBody(body)) {
      const fix = consumedBodyFix(body)
      const consumed = answer.consumed(fix)
      if (!consumedReported) {
        consumedReported = true
        report(
          d,
          {
            level: 'error',
            error: new InklessWebhookError(
              'body_consumed',
              `The request body was read by another middleware before inkless-webhooks. ${fix}`,
            ),
          },
          consumed,
        )
      }
      return consumed
    }
    const declared = getHeader(request.headers, 'content-length')
    if (declared !== undefined && Number(declared) > config.maxBodyBytes) return answer.TOO_LARGE
    const accepted = extend(d, 'body', body)
    if (!options.tenant) return extend(accepted, 'tenant', undefined)
    const named = nameTenant(options.tenant, request)
    if (typeof named === 'string') return extend(accepted, 'tenant', named)
    if (named !== undefined) tenantFailed(d, named.error)
    return answer.NO_TENANT
  }
}
