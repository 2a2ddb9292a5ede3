import type { InklessRequest } from './request.js'

/** One secret, or several during rotation: any one may match. */
export type Secrets = string | readonly string[]

/**
 * Picks the secrets per request, for one endpoint serving many Inkless accounts: called
 * with the tenant that `tenant(request)` named. `undefined` means no such tenant (404).
 */
export type SecretLookup = (
  tenant: string,
  request: InklessRequest,
) => Secrets | undefined | Promise<Secrets | undefined>

const SECRET_HELP =
  'Pass `secret` or set the INKLESS_WEBHOOK_SECRET environment variable to the webhook secret shown in Inkless (Company Settings > Webhooks).'

/** A secret that could not be found when a request needed it; answered 500. */
export class MissingSecretError extends TypeError {}

/** Checks a given secret option; throws a TypeError that says how to fix it. */
export function checkSecrets(given: unknown): readonly string[] {
  const list = typeof given === 'string' ? [given] : given
  if (given === undefined || (typeof given === 'string' && given.trim() === '')) {
    throw new MissingSecretError(`inkless-webhooks: no webhook secret. ${SECRET_HELP}`)
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(
      `inkless-webhooks: \`secret\` must be a string, a non-empty array or a function. ${SECRET_HELP}`,
    )
  }
  for (const s of list) {
    if (typeof s !== 'string' || s.trim() === '') {
      throw new TypeError(
        `inkless-webhooks: every secret must be a non-empty string. ${SECRET_HELP}`,
      )
    }
  }
  return [...list]
}

const environmentSecret = () =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.INKLESS_WEBHOOK_SECRET

/** The secrets that verify one request: found at once, or after the tenant's lookup. */
export type SecretsFor = (
  request: InklessRequest,
  tenant: string | undefined,
) => readonly string[] | undefined | Promise<readonly string[] | undefined>

export interface SecretCacheOptions {
  /** How long a tenant's lookup (found or not) is reused, in ms. */
  readonly ttlMs: number
  /** Most tenants remembered; the cache starts over when full. */
  readonly maxTenants: number
  readonly now: () => number
}

/**
 * Resolves the `secret` option. A string or array is checked now (a bad one throws at
 * once); without one, INKLESS_WEBHOOK_SECRET is read when the first request needs it, so
 * building an app without runtime secrets (`next build`, Docker) works. A lookup function is
 * cached per tenant, misses included, so unknown tenants cannot flood the platform's database.
 */
export function secretsFor(
  option: Secrets | SecretLookup | undefined,
  cache: SecretCacheOptions,
): SecretsFor {
  if (typeof option === 'function') return cachedLookup(option, cache)
  if (option !== undefined) {
    const fixed = checkSecrets(option)
    return () => fixed
  }
  let fromEnvironment: readonly string[] | undefined
  return () => {
    fromEnvironment ??= checkSecrets(environmentSecret())
    return fromEnvironment
  }
}

function cachedLookup(lookup: SecretLookup, cache: SecretCacheOptions): SecretsFor {
  type Entry = {
    readonly expiresAt: number
    readonly secrets: Promise<readonly string[] | undefined>
  }
  const entries = new Map<string, Entry>()
  return (request, tenant) => {
    if (tenant === undefined) return undefined
    const now = cache.now()
    const hit = entries.get(tenant)
    if (hit !== undefined && hit.expiresAt > now) return hit.secrets
    if (entries.size >= cache.maxTenants) entries.clear()
    // The promise is cached, so concurrent requests for one tenant share a single lookup.
    const secrets = Promise.resolve()
      .then(() => lookup(tenant, request))
      .then((found) =>
        found === undefined || (Array.isArray(found) && found.length === 0)
          ? undefined
          : checkSecrets(found),
      )
    // A failed lookup is not remembered: the retry Inkless sends after the 503 looks again.
    // (Unless a newer lookup replaced it meanwhile: that one stays.)
    const entry = { expiresAt: now + cache.ttlMs, secrets }
    secrets.catch(() => {
      if (entries.get(tenant) === entry) entries.delete(tenant)
    })
    entries.set(tenant, entry)
    return secrets
  }
}
