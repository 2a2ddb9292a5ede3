// Queue mode as deployed: receiver and worker processes started from test/fixtures, and the
// seeded delivery plans they are sent.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { planEnvelopes } from '@inkless-webhooks/testing'
import { afterEach, expect, vi } from 'vitest'
import { deliverAll } from './deliver.js'
import { SECRET } from './deliveries.js'

/** A fixture in its own process, printing lines; `lines` keeps them all. */
export class FixtureProcess {
  readonly lines: string[] = []
  /** Resolves once the process has ended and every line it printed has been read. */
  private readonly closed: Promise<unknown>
  private constructor(private readonly child: ChildProcess) {
    this.closed = new Promise((resolve) => child.once('close', resolve))
  }

  /** Starts `test/fixtures/<fixture>` and resolves once it prints a line matching `ready`. */
  static async start(
    fixture: string,
    args: string[],
    env: Record<string, string>,
    ready: RegExp,
  ): Promise<FixtureProcess> {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '..', 'fixtures', fixture), ...args],
      {
        env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const started = new FixtureProcess(child)
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${fixture} exited with ${code}`)))
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        started.lines.push(line)
        if (ready.test(line)) resolve()
      })
    })
    return started
  }

  /** The webhook URL of a fixture that printed `listening <port>`. */
  get url(): string {
    const port = this.lines.find((l) => l.startsWith('listening '))?.slice(10)
    return `http://127.0.0.1:${port}/webhook`
  }

  /** The second word of each line starting with `word`. */
  said(word: string): string[] {
    return this.lines.filter((l) => l.startsWith(`${word} `)).map((l) => l.split(' ')[1] as string)
  }

  /** How the process ended: its exit code, or the signal that ended it. */
  get exited(): number | NodeJS.Signals | undefined {
    return this.child.exitCode ?? this.child.signalCode ?? undefined
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  /**
   * Resolves once the process has ended and its output is read: 'exit' can come before the
   * last lines still in the pipe.
   */
  async ended(): Promise<void> {
    await this.closed
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited === undefined) this.child.kill(signal)
    await this.closed
  }
}

/**
 * Starts fixtures for the calling test file, `FixtureProcess.start`'s way; after each test,
 * every one still running is SIGKILLed.
 */
export function fixtureProcesses() {
  const running = new Set<FixtureProcess>()
  afterEach(async () => {
    await Promise.all([...running].map((p) => p.stop('SIGKILL')))
    running.clear()
  })
  return async (...args: Parameters<typeof FixtureProcess.start>): Promise<FixtureProcess> => {
    const started = await FixtureProcess.start(...args)
    running.add(started)
    return started
  }
}

/** A seeded random source (mulberry32): the same plan sizes on every run. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Shuffled deliveries of `envelopes` two-signer envelopes, 20% sent twice: about 26 per
 * envelope, `unique` of them distinct.
 */
export function plan(envelopes: number): { bodies: string[]; unique: number } {
  const deliveries = planEnvelopes({
    envelopes,
    signers: 2,
    duplicates: 0.2,
    shuffle: true,
    random: seeded(envelopes),
  })
  return {
    bodies: deliveries.map((d) => d.body),
    unique: new Set(deliveries.map((d) => d.body)).size,
  }
}

/** How many times each dedupe key was handled (`handled <key> …` lines), over all workers. */
export function handledCounts(workers: readonly FixtureProcess[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const key of workers.flatMap((w) => w.said('handled'))) {
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/**
 * Sends `envelopes`' plan to a fleet as Inkless does (retrying non-2xx), stops its backend a
 * quarter of the way in (sent or processed) for `outageMs`, starts it again, and waits until every event ran.
 * Returns what Inkless was answered, and the times from the restart to the last answer
 * (`answeredMs`) and to the last event processed (`processedMs`).
 */
export async function sendThroughOutage(
  fleet: { urls: () => readonly string[]; handled: () => Map<string, number> },
  backend: { stop: () => Promise<unknown>; start: () => Promise<unknown> },
  envelopes: number,
  outageMs: number,
) {
  const { bodies, unique } = plan(envelopes)
  const answers = new Map<number, number>()
  const sending = deliverAll(bodies, fleet.urls, { concurrency: 64, statuses: answers })
  // A quarter in: a quarter of the events processed, or a quarter of the bodies answered,
  // whichever comes first (on a quiet machine the receivers can answer every body before
  // the workers have processed a quarter, and an outage after the last send has no 503).
  const answered = () => [...answers.values()].reduce((sum, n) => sum + n, 0)
  await vi.waitFor(
    () => {
      if (answered() < bodies.length / 4) {
        expect(fleet.handled().size).toBeGreaterThan(unique / 4)
      }
    },
    { timeout: 30_000, interval: 5 },
  )
  await backend.stop()
  await new Promise((r) => setTimeout(r, outageMs))
  await backend.start()
  const restarted = performance.now()
  const statuses = await sending
  const answeredMs = Math.round(performance.now() - restarted)
  await vi.waitFor(() => expect(fleet.handled().size).toBe(unique), {
    timeout: 60_000,
    interval: 100,
  })
  const processedMs = Math.round(performance.now() - restarted)
  return { bodies, unique, statuses, answeredMs, processedMs }
}
