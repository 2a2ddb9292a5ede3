// Stores, verifiers, queues and listeners may answer synchronously; awaiting only real
// promises keeps the hot path free of needless microtask hops.

export type MaybePromise<T> = T | Promise<T>

export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function'

/** `fn(value)`, after `value` settles if it is a promise. */
export const andThen = <T, R>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<R>) =>
  isThenable(value) ? (value as Promise<T>).then(fn) : fn(value as T)
