// Stores, verifiers, queues and listeners may answer synchronously; awaiting only real
// promises keeps the hot path free of needless microtask hops.

/** A value, or a promise of it: stores, queues, lookups and listeners may answer either way. */
export type MaybePromise<T> = T | Promise<T>

/** True for a promise (any thenable); narrows a `MaybePromise<T>` to its promise. */
export function isThenable<T>(value: MaybePromise<T>): value is Promise<T>
export function isThenable(value: unknown): value is PromiseLike<unknown>
export function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/** `fn(value)`, after `value` settles if it is a promise. */
export const andThen = <T, R>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<R>) =>
  isThenable(value) ? value.then(fn) : fn(value)
