// Option checks and deadlines shared by core and the packages built on it (through
// `@inkless-webhooks/core/adapter`), so every configuration error reads the same way.
import { closest } from './closest.js'

/** What {@link positiveOption} accepts beside a positive number. */
export interface PositiveOptionRule {
  /** Only safe integers. Default false. */
  readonly integer?: boolean
  /** The smallest value allowed. Default: anything above 0. */
  readonly min?: number
}

/**
 * `value`, or `fallback` when it is undefined, checked: a positive number (an integer, at
 * least `min`, when the rule says so). Throws a `TypeError` that starts with
 * `inkless-webhooks: ` and names the option.
 */
export function positiveOption(
  name: string,
  value: number | undefined,
  fallback: number,
  { integer = false, min }: PositiveOptionRule = {},
): number {
  const resolved = value ?? fallback
  const ok =
    typeof resolved === 'number' &&
    (min === undefined ? resolved > 0 : resolved >= min) &&
    (!integer || Number.isSafeInteger(resolved))
  if (!ok) {
    const what = integer ? 'integer' : 'number'
    const rule =
      min === undefined
        ? `a positive ${what}`
        : `${integer ? 'an' : 'a'} ${what} of at least ${min}`
    throw new TypeError(`inkless-webhooks: ${name} must be ${rule} (got ${String(resolved)}).`)
  }
  return resolved
}

/** What `renamedOption` accepts beside {@link PositiveOptionRule}. */
export interface RenamedOptionRule extends PositiveOptionRule {
  /** The deprecated name took seconds: its value is returned in ms. Default false. */
  readonly aliasInSeconds?: boolean
}

/**
 * Option `name`, or its deprecated name `alias` when only that is given (in seconds when the
 * rule says so, returned in ms), or `fallback`; checked as {@link positiveOption} checks it,
 * under the name the caller used. Both names given: a `TypeError` naming both, since one
 * would be silently ignored.
 */
export function renamedOption(
  options: object,
  name: string,
  alias: string,
  fallback: number,
  rule?: RenamedOptionRule,
): number
export function renamedOption(
  options: object,
  name: string,
  alias: string,
  fallback: number | undefined,
  rule?: RenamedOptionRule,
): number | undefined
export function renamedOption(
  options: object,
  name: string,
  alias: string,
  fallback: number | undefined,
  { aliasInSeconds = false, ...rule }: RenamedOptionRule = {},
): number | undefined {
  const given = options as Readonly<Record<string, number | undefined>>
  const value = given[name]
  const old = given[alias]
  if (old !== undefined) {
    if (value !== undefined) {
      throw new TypeError(
        `inkless-webhooks: ${name} and ${alias} are one option (${alias} is its deprecated name): give ${name} only.`,
      )
    }
    return positiveOption(alias, old, 0, rule) * (aliasInSeconds ? 1000 : 1)
  }
  if (value === undefined && fallback === undefined) return undefined
  return positiveOption(name, value, fallback ?? 0, rule)
}

/**
 * `work`, or a rejection with `onTimeout()`'s error once `ms` have passed first. The timer
 * does not keep the process alive.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms)
    ;(timer as { unref?: () => void }).unref?.()
    work.then(resolve, reject).finally(() => clearTimeout(timer))
  })
}

/** Drops the last word of a camelCase name: `maxBodySize` and `maxBodyBytes` are `maxBody`. */
const stemOf = (name: string) => name.replace(/[A-Z][a-z]*$/, '').toLowerCase()

/** The option `key` was most likely meant to be: a typo away, or the one differing in its last word. */
function meantOption(key: string, known: readonly string[]): string | undefined {
  const typo = closest(key, known)
  if (typo !== undefined) return typo
  const sameStem = known.filter((name) => stemOf(name) === stemOf(key))
  return sameStem.length === 1 ? sameStem[0] : undefined
}

/**
 * Throws a `TypeError` for the first key of `options` that is not in `known`, with the
 * option it is close to, if any. At the top level (no `within`) callbacks (`on…`, checked by
 * name elsewhere) pass; `within` names the option holding a nested object (`rateLimit`).
 */
export function checkOptionNames(options: object, known: readonly string[], within?: string): void {
  for (const key of Object.keys(options)) {
    if ((within === undefined && /^on[A-Z]/.test(key)) || known.includes(key)) continue
    const meant = meantOption(key, known)
    const name = (option: string) => (within === undefined ? option : `${within}.${option}`)
    throw new TypeError(
      `inkless-webhooks: unknown option "${name(key)}"${
        meant === undefined
          ? `. Options are ${known.map(name).join(', ')}${within === undefined ? ', and the callbacks (on…)' : ''}.`
          : `; did you mean "${name(meant)}"?`
      }`,
    )
  }
}
