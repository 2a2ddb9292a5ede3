/** Starts a deadline; the function it returns cancels it. */
export type Deadline = (onTimeout: () => void) => () => void

/**
 * Deadlines of one length on one shared timer: a setTimeout and clearTimeout per request
 * cost more than the small reads they guard. A deadline fires at most a quarter of
 * `timeoutMs` late; the timer runs only while some deadline is pending.
 */
export function sharedDeadline(timeoutMs: number, now: () => number = Date.now): Deadline {
  const pending = new Set<{ readonly at: number; readonly fire: () => void }>()
  let sweeper: ReturnType<typeof setInterval> | undefined
  const sweep = () => {
    const at = now()
    for (const entry of pending) {
      if (entry.at > at) continue
      pending.delete(entry)
      entry.fire()
    }
    if (pending.size === 0) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }
  return (fire) => {
    const entry = { at: now() + timeoutMs, fire }
    pending.add(entry)
    if (sweeper === undefined) {
      sweeper = setInterval(sweep, Math.max(5, timeoutMs / 4))
      // A pending read must not keep a process alive that has nothing else to do.
      ;(sweeper as { unref?: () => void }).unref?.()
    }
    return () => {
      pending.delete(entry)
    }
  }
}
