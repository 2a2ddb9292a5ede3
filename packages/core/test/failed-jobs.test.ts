import { describe, expect, it } from 'vitest'
import {
  createFailedDeliveries,
  type FailedJob,
  failedJobMatcher,
  newestFailureFirst,
} from '../src/queue-worker.js'

// What both queue packages' `replayFailedJobs` and `failedDeliveries` share: the filter, the
// order, and the source `inkless-webhooks replay --to` reads.

const job = (over: Partial<FailedJob>): FailedJob => ({
  id: 'job-1',
  event: 'document_complete',
  dedupeKey: 'key-1',
  tenant: 'acme',
  failedAt: new Date('2026-03-11T10:00:00Z'),
  attempts: 8,
  reason: 'CRM down',
  rawBody: '{"event":"document_complete"}',
  ...over,
})
// A queue package's job id from a dedupe key; one that is not a key throws (as pg-boss's).
const jobIdOf = (key: string) => {
  if (!key.startsWith('key-')) throw new TypeError('not a dedupe key')
  return key.replace('key-', 'job-')
}

describe('failedJobMatcher', () => {
  it('every condition given must hold; none given matches all', () => {
    expect(failedJobMatcher({}, jobIdOf)(job({}))).toBe(true)
    const match = failedJobMatcher(
      {
        event: ['document_complete', 'link_viewed'],
        tenant: 'acme',
        since: Date.parse('2026-03-11T09:00:00Z'),
      },
      jobIdOf,
    )
    expect(match(job({}))).toBe(true)
    expect(match(job({ event: 'envelope_complete' }))).toBe(false)
    expect(match(job({ tenant: 'globex' }))).toBe(false)
    expect(match(job({ tenant: undefined }))).toBe(false)
    expect(match(job({ failedAt: new Date('2026-03-11T08:59:59Z') }))).toBe(false)
    expect(match(job({ failedAt: undefined }))).toBe(false)
    expect(failedJobMatcher({ event: 'link_viewed' }, jobIdOf)(job({}))).toBe(false)
    expect(failedJobMatcher({ since: new Date('2026-03-11T10:00:00Z') }, jobIdOf)(job({}))).toBe(
      true,
    )
  })

  it('ids: a job id as given, or the dedupe key it derives from', () => {
    expect(failedJobMatcher({ ids: ['key-1'] }, jobIdOf)(job({}))).toBe(true)
    expect(failedJobMatcher({ ids: ['job-1'] }, jobIdOf)(job({}))).toBe(true)
    expect(failedJobMatcher({ ids: ['key-2', 'job-3'] }, jobIdOf)(job({}))).toBe(false)
  })

  it('a since that is not a date is refused, naming the option', () => {
    expect(() => failedJobMatcher({ since: Number.NaN }, jobIdOf)).toThrow(
      /^inkless-webhooks: replayFailedJobs: since is not a valid date$/,
    )
  })
})

it('newestFailureFirst: newest failure first, an unknown time last', () => {
  const at = (iso?: string) => ({
    failed: job({ id: iso ?? '-', failedAt: iso ? new Date(iso) : undefined }),
  })
  const sorted = newestFailureFirst([at('2026-03-10T00:00:00Z'), at(), at('2026-03-12T00:00:00Z')])
  expect(sorted.map((f) => f.failed.id)).toEqual([
    '2026-03-12T00:00:00Z',
    '2026-03-10T00:00:00Z',
    '-',
  ])
})

describe('createFailedDeliveries', () => {
  it('connects when read, yields the bodies in order (none without one), closes once read', async () => {
    const log: string[] = []
    const source = createFailedDeliveries(
      'the failed jobs of inkless',
      async () => {
        log.push('open')
        return { close: async () => void log.push('close'), jobs: ['a', 'b', 'c'] }
      },
      async (at) =>
        at.jobs.map((id) => ({
          failed: job({ id, event: 'link_viewed', rawBody: id === 'b' ? undefined : `body ${id}` }),
        })),
    )
    expect(source.name).toBe('the failed jobs of inkless')
    await source.close()
    expect(log).toEqual([])
    const read = []
    for await (const delivery of source.deliveries()) read.push(delivery)
    expect(read).toEqual([
      { label: 'a link_viewed', body: 'body a' },
      { label: 'c link_viewed', body: 'body c' },
    ])
    await source.close()
    expect(log).toEqual(['open', 'close'])
  })
})
