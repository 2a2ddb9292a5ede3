import { describe, expect, it } from 'vitest'
import type { InklessWebhookError } from '../src/errors.js'
import { createOutageReporter } from '../src/queue-worker.js'

// A client retrying a lost connection in a loop fails many times a second: the operator
// hears of the outage once, then a count per interval, then of its end.

function reporter(intervalMs?: number) {
  let clock = 1_000_000
  const reports: [InklessWebhookError, 'error' | 'warn'][] = []
  const outage = createOutageReporter(
    'Redis (createInklessWorker)',
    (error, level) => void reports.push([error, level]),
    { ...(intervalMs === undefined ? {} : { intervalMs }), now: () => clock },
  )
  const advance = (ms: number) => {
    clock += ms
  }
  const lines = () => reports.map(([error, level]) => `${level}: ${error.message}`)
  return { outage, reports, advance, lines }
}

describe('createOutageReporter', () => {
  it('reports the first error at once, counts the next ones, reports the count once per interval', () => {
    const { outage, reports, advance, lines } = reporter()
    const first = new Error('connect ECONNREFUSED 127.0.0.1:6379')
    outage.failed(first)
    for (let i = 0; i < 500; i++) {
      advance(100)
      outage.failed(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
    }
    // 50 s in: still one report.
    expect(lines()).toEqual([
      'error: Redis (createInklessWorker) failed: connect ECONNREFUSED 127.0.0.1:6379. Further errors are counted and reported once per 60 s until it works again.',
    ])
    const [error] = reports[0] as (typeof reports)[0]
    expect(error.code).toBe('queue_unavailable')
    expect(error.cause).toBe(first)
    for (let i = 0; i < 100; i++) {
      advance(100)
      outage.failed('ETIMEDOUT')
    }
    expect(lines().slice(1)).toEqual([
      'error: Redis (createInklessWorker) still failing after 60 s: 600 more error(s) in the last 60 s, the last: ETIMEDOUT.',
    ])
    expect(reports[1]?.[0].cause).toBe('ETIMEDOUT')
  })

  it('reports the end once, with its length and error count; a new outage starts afresh', () => {
    const { outage, advance, lines } = reporter(10_000)
    outage.recovered() // no outage: nothing to say
    outage.failed(new Error('Connection terminated'))
    advance(4_000)
    outage.failed(new Error('Connection terminated'))
    advance(11_000)
    outage.failed(new Error('Connection terminated'))
    advance(2_000)
    outage.recovered()
    outage.recovered()
    outage.failed(new Error('ECONNRESET'))
    advance(1_000)
    outage.recovered()
    expect(lines()).toEqual([
      'error: Redis (createInklessWorker) failed: Connection terminated. Further errors are counted and reported once per 10 s until it works again.',
      'error: Redis (createInklessWorker) still failing after 15 s: 2 more error(s) in the last 15 s, the last: Connection terminated.',
      'warn: Redis (createInklessWorker) works again after 17 s (3 error(s)).',
      'error: Redis (createInklessWorker) failed: ECONNRESET. Further errors are counted and reported once per 10 s until it works again.',
      'warn: Redis (createInklessWorker) works again after 1 s (1 error(s)).',
    ])
  })

  it('counts from the last report, not from the start of the outage', () => {
    const { outage, advance, lines } = reporter(1_000)
    outage.failed(new Error('down'))
    for (let i = 0; i < 3; i++) {
      advance(600)
      outage.failed(new Error('down'))
    }
    // Reported at 1.2 s (2 errors since the start), then 0.6 s later nothing yet.
    expect(lines().slice(1)).toEqual([
      'error: Redis (createInklessWorker) still failing after 1 s: 2 more error(s) in the last 1 s, the last: down.',
    ])
    advance(600)
    outage.failed(new Error('down'))
    expect(lines().slice(2)).toEqual([
      'error: Redis (createInklessWorker) still failing after 2 s: 2 more error(s) in the last 1 s, the last: down.',
    ])
  })
  it("a dedupe store's reports carry store_unavailable", () => {
    const codes: string[] = []
    const outage = createOutageReporter(
      'PostgreSQL (the pool)',
      (error) => codes.push(error.code),
      {
        code: 'store_unavailable',
      },
    )
    outage.failed(new Error('terminating connection due to administrator command'))
    outage.recovered()
    expect(codes).toEqual(['store_unavailable', 'store_unavailable'])
  })
})
