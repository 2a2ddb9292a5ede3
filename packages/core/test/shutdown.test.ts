import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { closeOnSignals } from '../src/queue-worker.js'

// A queue worker closes on SIGTERM and SIGINT, then lets the signal end the process as it
// would have without it. In this process a signal nothing else handles would end the test
// runner, so the ending is watched in a child process; here, the signals are SIGUSR2 with
// a listener of the test's own, as an application with its own handler would have.

const unregister: (() => void)[] = []
const children: ChildProcess[] = []
afterEach(() => {
  for (const off of unregister.splice(0)) off()
  // A child a failed test left waiting.
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

/** A promise and its resolve/reject, to hold a closer open until the test lets it go. */
function deferred() {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** One macrotask turn after another: a signal sent to this process is handled by then. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('closeOnSignals, in this process', () => {
  it('signals: false listens to nothing', () => {
    const before = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')
    const off = closeOnSignals(false, async () => {})
    expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).toBe(before)
    off()
  })

  it('by default one listener on SIGTERM and one on SIGINT for all workers, removed with the last', () => {
    const counts = () => [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]
    const [term, int] = counts() as [number, number]
    const offA = closeOnSignals(undefined, async () => {})
    const offB = closeOnSignals(undefined, async () => {})
    expect(counts()).toEqual([term + 1, int + 1])
    offA()
    expect(counts()).toEqual([term + 1, int + 1])
    offB()
    expect(counts()).toEqual([term, int])
  })

  it('a signal closes every registered worker, once; a failing close does not stop the others', async () => {
    let appHandled = 0
    const app = () => void appHandled++
    const others = process.listenerCount('SIGUSR2')
    process.on('SIGUSR2', app)
    try {
      const closed: string[] = []
      const a = deferred()
      const b = deferred()
      for (const [name, gate] of [
        ['a', a],
        ['b', b],
      ] as const) {
        unregister.push(
          closeOnSignals(['SIGUSR2', 'SIGHUP'], async () => {
            closed.push(`closing ${name}`)
            await gate.promise
          }),
        )
      }
      const offNever = closeOnSignals(['SIGUSR2'], async () => void closed.push('unregistered'))
      offNever()
      expect(process.listenerCount('SIGUSR2')).toBe(others + 2)

      const signalled = once(process, 'SIGUSR2')
      process.kill(process.pid, 'SIGUSR2')
      await signalled
      expect(closed).toEqual(['closing a', 'closing b'])
      // Its listeners are gone on the first signal: a second one is the application's alone.
      expect(process.listenerCount('SIGUSR2')).toBe(others + 1)
      expect(process.listenerCount('SIGHUP')).toBe(0)

      b.reject(new Error('Redis is gone'))
      a.resolve()
      await turns(3)
      // The application listens too: the signal is its to act on, not sent again.
      expect(appHandled).toBe(1)
      expect(closed).toEqual(['closing a', 'closing b'])
    } finally {
      process.removeListener('SIGUSR2', app)
    }
  })
})

const queueEntry = join(import.meta.dirname, '../dist/queue-worker.mjs')

// Two workers' closes, held open until the parent writes a line; the second one fails.
const workerProcess = `
const { closeOnSignals } = await import(process.argv[1])
const { createInterface } = await import('node:readline')
const go = new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve))
for (const name of ['a', 'b']) {
  closeOnSignals(undefined, async () => {
    console.log('closing ' + name)
    await go
    console.log('closed ' + name)
    if (name === 'b') throw new Error('could not close b')
  })
}
if (process.argv[2] === 'own-handler') process.on('SIGTERM', () => console.log('app: SIGTERM'))
console.log('ready')
`

function startWorker(...args: string[]) {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', workerProcess, queueEntry, ...args],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  children.push(child)
  const lines: string[] = []
  const waiting: [string, () => void][] = []
  createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).on(
    'line',
    (line) => {
      lines.push(line)
      for (const [i, [wanted, resolve]] of waiting.entries()) {
        if (wanted === line) {
          waiting.splice(i, 1)
          resolve()
        }
      }
    },
  )
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const line = (wanted: string) =>
    lines.includes(wanted)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiting.push([wanted, resolve]))
  return { child, lines, exited, line }
}

describe('closeOnSignals, in a worker process (the built package)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: every worker closes, and the process ends by the signal only once the last close settled',
    async (signal) => {
      const worker = startWorker()
      await worker.line('ready')
      worker.child.kill(signal)
      await worker.line('closing b')
      // Both closes are still open: the process is alive until they settle.
      worker.child.stdin?.write('go\n')
      expect(await worker.exited).toEqual([null, signal])
      expect(worker.lines).toEqual(['ready', 'closing a', 'closing b', 'closed a', 'closed b'])
    },
  )

  it('an application with its own SIGTERM listener decides itself: the signal is not sent again', async () => {
    const worker = startWorker('own-handler')
    await worker.line('ready')
    worker.child.kill('SIGTERM')
    await worker.line('closing b')
    worker.child.stdin?.write('go\n')
    await worker.line('closed b')
    // Nothing holds the process once stdin ends: it ends by itself, not by the signal.
    worker.child.stdin?.end()
    expect(await worker.exited).toEqual([0, null])
    expect(worker.lines).toEqual([
      'ready',
      'closing a',
      'closing b',
      'app: SIGTERM',
      'closed a',
      'closed b',
    ])
  })
})
