/** What a signal closes: every queue worker that asked for it, in this process. */
const closers = new Set<() => Promise<void>>()
const handled = new Map<NodeJS.Signals, () => void>()

/**
 * On each of `signals` (a worker's `signals` option: default SIGTERM and SIGINT, `false` for
 * none), closes every registered worker, then sends the signal again once the last is
 * closed: with no other listener the process ends as it would have without us; an
 * application with its own listener decides itself. Returns the unregistering function.
 */
export function closeOnSignals(
  option: readonly NodeJS.Signals[] | false | undefined,
  close: () => Promise<void>,
): () => void {
  if (option === false) return () => {}
  const signals = option ?? ['SIGTERM', 'SIGINT']
  closers.add(close)
  for (const signal of signals) {
    if (handled.has(signal)) continue
    const onSignal = () => {
      for (const [s, listener] of handled) process.removeListener(s, listener)
      handled.clear()
      const closing = [...closers].map((c) => c())
      closers.clear()
      void Promise.allSettled(closing).then(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      })
    }
    handled.set(signal, onSignal)
    process.on(signal, onSignal)
  }
  return () => {
    closers.delete(close)
    if (closers.size > 0) return
    for (const [s, listener] of handled) process.removeListener(s, listener)
    handled.clear()
  }
}
