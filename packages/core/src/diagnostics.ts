import type { RawBody } from './body.js'
import { isThenable, type MaybePromise } from './maybe-async.js'

const OBJECT_OBJECT = '[object Object]'

const isObjectObject = (rawBody: RawBody) =>
  typeof rawBody === 'string'
    ? rawBody === OBJECT_OBJECT
    : rawBody.byteLength === OBJECT_OBJECT.length &&
      String.fromCharCode(...rawBody) === OBJECT_OBJECT

export interface MismatchFacts {
  readonly rawBody: RawBody
  readonly header: unknown
  readonly secrets: readonly string[]
  /** Where the adapter found the bytes, when an upstream body parser kept them. */
  readonly keptBy: string | undefined
  readonly verify: (
    rawBody: RawBody,
    header: unknown,
    secrets: readonly string[],
  ) => MaybePromise<boolean>
}

/**
 * Why a signature failed, when the cause is certain and cheap to see; undefined otherwise
 * (a plain forgery). Costs at most one HMAC per secret that has surrounding whitespace:
 * nothing for a well-configured secret, so forgeries cannot make it expensive.
 */
export function mismatchHint(facts: MismatchFacts): MaybePromise<string | undefined> {
  const { rawBody, keptBy } = facts
  if (isObjectObject(rawBody)) {
    return 'The body is "[object Object]": it was parsed and converted back to text. Pass the raw request bytes.'
  }
  const otherwise = () =>
    keptBy === undefined
      ? undefined
      : `The signature does not match the bytes kept by ${keptBy}. If the secret is right, that parser changed them (charset decoding, re-serialisation): mount inkless-webhooks before any body parser.`
  const trimmed = facts.secrets.filter((s) => s !== s.trim()).map((s) => s.trim())
  if (trimmed.length === 0 || typeof facts.header !== 'string') return otherwise()
  const matches = facts.verify(rawBody, facts.header, trimmed)
  const decide = (match: boolean) =>
    match
      ? 'The signature matches once surrounding whitespace is removed from the configured secret: trim it (a trailing newline in .env or a secrets file is the usual cause).'
      : otherwise()
  return isThenable(matches) ? (matches as Promise<boolean>).then(decide) : decide(matches)
}
