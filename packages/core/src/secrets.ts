/** One secret, or several during rotation: any one may match. */
export type Secrets = string | readonly string[]

/**
 * A tenant's secrets as a lookup returns them: the secrets alone, or with the tenant's own
 * `id`, used instead of the name the request gave (in dedupe keys, queue job ids, the
 * handlers' context, logs and spans), so spellings a lookup treats alike (`ACME`, `acme`)
 * are one tenant. `undefined` (or no secrets): no such tenant.
 */
export type TenantSecrets =
  | Secrets
  | {
      /** The tenant's own id, e.g. its primary key. */
      readonly id: string
      /** Its secrets: one, or several during rotation. */
      readonly secret: Secrets
    }
  | undefined

/**
 * Picks the secrets of one tenant, for one endpoint serving many Inkless accounts: called
 * with the name that `tenant(request)` gave, and with nothing else, since its answer is
 * cached under that name: whatever it depends on must be in the name.
 */
export type SecretLookup = (tenant: string) => TenantSecrets | Promise<TenantSecrets>

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

/** The secrets that verify a tenant's requests, and the tenant's own id when the lookup gave one. */
export interface Verifier {
  readonly secrets: readonly string[]
  readonly id?: string
}

/** The verifier of one request: found at once, or after the tenant's lookup; undefined: no such tenant. */
export type SecretsFor = (
  tenant: string | undefined,
) => Verifier | undefined | Promise<Verifier | undefined>

export interface SecretCacheOptions {
  /** How long a tenant's secrets are reused, in ms. Misses are kept 5 s and failures 1 s at most. */
  readonly ttlMs: number
  /** A lookup not answered within this many ms fails (503) and is dropped. */
  readonly timeoutMs: number
  /** Bytes of names and secrets remembered; the oldest entries go first. */
  readonly maxBytes: number
  readonly now: () => number
}

/**
 * Resolves the `secret` option. A string or array is checked now (a bad one throws at
 * once); without one, INKLESS_WEBHOOK_SECRET is read when the first request needs it, so
 * building an app without runtime secrets (`next build`, Docker) works. A lookup function is
 * cached per tenant name, misses and failures briefly, so unknown tenants cannot flood the
 * platform's database.
 */
export function secretsFor(
  option: Secrets | SecretLookup | undefined,
  cache: SecretCacheOptions,
): SecretsFor {
  if (typeof option === 'function') return cachedLookup(option, cache)
  if (option !== undefined) {
    const fixed = { secrets: checkSecrets(option) }
    return () => fixed
  }
  let fromEnvironment: Verifier | undefined
  return () => {
    fromEnvironment ??= { secrets: checkSecrets(environmentSecret()) }
    return fromEnvironment
  }
}

const MISS_TTL_MS = 5_000
const FAILURE_TTL_MS = 1_000
// A Map's own cost per entry, roughly, beside the strings it holds.
const ENTRY_OVERHEAD_BYTES = 96

/** Entries by insertion, the oldest dropped first once their bytes pass `maxBytes`; never cleared. */
class ByteBoundedCache<V> {
  private readonly entries = new Map<
    string,
    { readonly value: V; readonly expiresAt: number; readonly bytes: number }
  >()
  private bytes = 0
  constructor(private readonly maxBytes: number) {}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt > now) return entry.value
    this.delete(key)
    return undefined
  }

  set(key: string, value: V, expiresAt: number, bytes: number): void {
    this.delete(key)
    this.entries.set(key, { value, expiresAt, bytes })
    this.bytes += bytes
    for (const [oldest, { bytes: size }] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldest)
      this.bytes -= size
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    this.entries.delete(key)
    this.bytes -= entry.bytes
  }
}

const sizeOf = (strings: readonly string[]) =>
  strings.reduce((n, s) => n + 2 * s.length, ENTRY_OVERHEAD_BYTES)

/** A lookup's answer, checked: a blank or malformed secret is a failure, never a match. */
function verifierOf(found: TenantSecrets): Verifier | undefined {
  if (found === undefined || (Array.isArray(found) && found.length === 0)) return undefined
  if (typeof found === 'object' && !Array.isArray(found)) {
    const { id, secret } = found as { id?: unknown; secret?: Secrets }
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(
        'inkless-webhooks: a `secret` lookup returned an object without a string `id`.',
      )
    }
    return { secrets: checkSecrets(secret), id }
  }
  return { secrets: checkSecrets(found) }
}

function cachedLookup(lookup: SecretLookup, cache: SecretCacheOptions): SecretsFor {
  if (lookup.length > 1) {
    throw new TypeError(
      'inkless-webhooks: a `secret` function receives the tenant only (`(tenant) => secrets`); its answer is cached per tenant, so one request could otherwise choose what later ones are verified with. Put what it needs from the request into what `tenant` returns (the host and the name, say).',
    )
  }
  // Found tenants apart from misses and failures: a flood of unknown names evicts only those.
  const found = new ByteBoundedCache<Verifier>(cache.maxBytes)
  const missing = new ByteBoundedCache<{ readonly error?: unknown }>(cache.maxBytes / 4)
  // Requests arriving together share one lookup; each is bounded by the deadline.
  const pending = new Map<string, Promise<Verifier | undefined>>()
  const look = (tenant: string) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`The secret lookup did not answer within ${cache.timeoutMs} ms.`)),
        cache.timeoutMs,
      )
      ;(timer as { unref?: () => void }).unref?.()
    })
    // The answer is cached as the pending entry goes, so no request falls between the two.
    const answer = Promise.race([Promise.resolve().then(() => lookup(tenant)), deadline])
      .then(verifierOf)
      .then(
        (verifier) => {
          clearTimeout(timer)
          pending.delete(tenant)
          const now = cache.now()
          if (verifier === undefined) {
            missing.set(tenant, {}, now + Math.min(MISS_TTL_MS, cache.ttlMs), sizeOf([tenant]))
          } else {
            const size = sizeOf([tenant, verifier.id ?? '', ...verifier.secrets])
            found.set(tenant, verifier, now + cache.ttlMs, size)
          }
          return verifier
        },
        (error: unknown) => {
          clearTimeout(timer)
          pending.delete(tenant)
          const until = cache.now() + Math.min(FAILURE_TTL_MS, cache.ttlMs)
          missing.set(tenant, { error }, until, sizeOf([tenant]))
          throw error
        },
      )
    pending.set(tenant, answer)
    return answer
  }
  return (tenant) => {
    if (tenant === undefined) return undefined
    const now = cache.now()
    const hit = found.get(tenant, now)
    if (hit !== undefined) return hit
    const miss = missing.get(tenant, now)
    if (miss !== undefined) {
      if (miss.error === undefined) return undefined
      return Promise.reject(miss.error)
    }
    return pending.get(tenant) ?? look(tenant)
  }
}
