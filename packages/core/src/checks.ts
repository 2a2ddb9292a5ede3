// Option checks and deadlines shared by core and the packages built on it (through
// `@inkless-webhooks/core/adapter`), so every configuration error reads the same way.

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
