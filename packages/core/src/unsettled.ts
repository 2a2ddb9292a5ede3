// For dedupe stores outside the process (Redis, PostgreSQL): the writes a request could not
// wait for, retried until the store takes them.

/** How a store writes what {@link createUnsettledWrites} retries. */
export interface SettleWrites {
  /** Marks the delivery done. */
  complete(key: string): Promise<unknown>
  /** Deletes the claim `token` made, if it is still that claim. */
  release(key: string, token: string): Promise<unknown>
}

/** Completions and releases a store could not write yet, retried in the background. */
export interface UnsettledWrites {
  /**
   * A completion that failed: retried until written. Meanwhile `completing(key)` is true, so
   * the store answers `done` for it (keep claims living longer than the outages to ride out).
   */
  complete(key: string): void
  /** True while a completion of `key` waits to be written. */
  completing(key: string): boolean
  /**
   * A claim of ours nobody will settle (its reply came after its deadline, or its release
   * failed): deleted once the store answers, unless it expired first (at `until`, in ms).
   */
  release(key: string, token: string, until: number): void
}

/** Retries every `retryMs` (one attempt at a time, in order) until the store answers. */
export function createUnsettledWrites(writes: SettleWrites, retryMs = 250): UnsettledWrites {
  const unsaved = new Set<string>()
  const unreleased = new Map<string, { key: string; until: number }>()
  let retrying: ReturnType<typeof setTimeout> | undefined
  let flushing = false
  const flush = async () => {
    if (flushing) return
    flushing = true
    try {
      for (const key of unsaved) {
        await writes.complete(key)
        unsaved.delete(key)
      }
      for (const [token, { key, until }] of unreleased) {
        if (Date.now() < until) await writes.release(key, token)
        unreleased.delete(token)
      }
    } catch {
      // Still unreachable: the rest waits for the next attempt.
    }
    flushing = false
    if (unsaved.size > 0 || unreleased.size > 0) retrySoon()
  }
  const retrySoon = () => {
    if (retrying) return
    retrying = setTimeout(() => {
      retrying = undefined
      void flush()
    }, retryMs)
    ;(retrying as { unref?: () => void }).unref?.()
  }
  return {
    complete(key) {
      unsaved.add(key)
      retrySoon()
    },
    completing: (key) => unsaved.has(key),
    release(key, token, until) {
      unreleased.set(token, { key, until })
      void flush()
    },
  }
}

/**
 * The claims a store outside the process holds here (the token of each, by key), settled
 * through `writes`: a dedupe store's `complete` and `release`, for Redis and PostgreSQL alike.
 */
export interface HeldClaims {
  /** Records the claim `token` made on `key`: release deletes only this one. */
  hold(key: string, token: string): void
  /** True while a failed completion of `key` waits to be written: claims answer `done`. */
  completing(key: string): boolean
  /** A claim of ours nobody will settle (its reply came too late): deleted once possible. */
  releaseLater(key: string, token: string): void
  /** Writes the completion; if that fails, retries it in the background and rejects. */
  complete(key: string): Promise<void>
  /** Deletes the claim held on `key`; if that fails, retries it in the background and rejects. */
  release(key: string): Promise<void>
}

/** Claims whose unsettled writes are retried until the store takes them or `leaseMs` passes. */
export function createHeldClaims(writes: SettleWrites, leaseMs: number): HeldClaims {
  const tokens = new Map<string, string>()
  const unsettled = createUnsettledWrites(writes)
  const releaseLater = (key: string, token: string) =>
    unsettled.release(key, token, Date.now() + leaseMs)
  return {
    hold: (key, token) => {
      tokens.set(key, token)
    },
    completing: unsettled.completing,
    releaseLater,
    async complete(key) {
      tokens.delete(key)
      try {
        await writes.complete(key)
      } catch (error) {
        unsettled.complete(key)
        throw error
      }
    },
    async release(key) {
      const token = tokens.get(key)
      tokens.delete(key)
      if (token === undefined) return
      try {
        await writes.release(key, token)
      } catch (error) {
        releaseLater(key, token)
        throw error
      }
    },
  }
}
