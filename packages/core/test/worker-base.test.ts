import { describe, expect, it, vi } from 'vitest'
import { createWorkerBase } from '../src/queue-worker.js'

// What the BullMQ and pg-boss workers share: the runner, closeTimeoutMs, outage reports
// through onError, and one close() however often it is called or signalled.
describe('createWorkerBase', () => {
  it('checks closeTimeoutMs and callback names as a worker does', () => {
    expect(createWorkerBase({ signals: false }, 'Redis', {}).closeTimeoutMs).toBe(25_000)
    expect(() => createWorkerBase({ closeTimeoutMs: 0, signals: false }, 'Redis', {})).toThrow(
      /closeTimeoutMs/,
    )
    expect(() =>
      createWorkerBase({ onDocumentSinged: () => {}, signals: false } as object, 'Redis', {}),
    ).toThrow(TypeError)
  })

  it("reports the backend's outage to onError once, naming it", () => {
    const onError = vi.fn()
    const { outage } = createWorkerBase({ onError, signals: false }, 'PostgreSQL', {})
    outage.failed(new Error('ECONNREFUSED'))
    outage.failed(new Error('ECONNREFUSED'))
    expect(onError).toHaveBeenCalledTimes(1)
    expect(String(onError.mock.calls[0]?.[0]?.message)).toContain(
      'PostgreSQL (createInklessWorker)',
    )
  })

  it('close() stops once: every call gets the same promise (signals: shutdown.test.ts)', async () => {
    const stop = vi.fn(async () => {})
    const close = createWorkerBase({ signals: false }, 'Redis', {}).closer(stop)
    const first = close()
    expect(close()).toBe(first)
    await first
    await close()
    expect(stop).toHaveBeenCalledTimes(1)
  })

  it('hands out the runner’s listener methods', () => {
    const base = createWorkerBase({ signals: false }, 'Redis', {})
    const listener = vi.fn()
    const off = base.listeners.on('document_signed', listener)
    expect(typeof off).toBe('function')
    expect(base.listeners.off).toBe(base.runner.off)
  })
})

describe('createWorkerBase: unknown options', () => {
  // Before: accepted and ignored (`concurency` left the default 8, `closeTimeout` 25 s).
  it('refuses a key neither core nor the queue package knows, with a did-you-mean', () => {
    const own = { connection: true, concurrency: true } as const
    const create = (options: object) => () =>
      createWorkerBase({ signals: false, ...options }, 'Redis', own)
    expect(create({ concurency: 4 })).toThrow(
      'inkless-webhooks: unknown option "concurency"; did you mean "concurrency"?',
    )
    expect(create({ closeTimeout: 5000 })).toThrow(
      'inkless-webhooks: unknown option "closeTimeout"; did you mean "closeTimeoutMs"?',
    )
    expect(create({ verbose: true })).toThrow(
      /^inkless-webhooks: unknown option "verbose"\. Options are logger, telemetry, closeTimeoutMs, signals, connection, concurrency, and the callbacks/,
    )
    // Core's, the package's own and the callbacks pass.
    expect(
      create({
        logger: undefined,
        telemetry: false,
        closeTimeoutMs: 10,
        connection: {},
        concurrency: 2,
        onError() {},
      }),
    ).not.toThrow()
  })
})
