import { describe, expect, it, vi } from 'vitest'
import { eventBody, platforms, post } from './helpers.js'

// What bounds a replayed delivery (docs/operations.md "Replays"): Inkless signs no timestamp,
// so the dedupe store's retention and `toleranceMs` are the only bounds.

const HOUR = 3_600_000
const sent = Date.parse('2026-03-11T23:25:31Z') // the event's timestamp (helpers.ts)

describe.each(platforms)('%s', (_platform, { createInklessWebhooks }) => {
  const receiver = (clock: { now: number }, toleranceMs?: number) => {
    const onEvent = vi.fn()
    const webhooks = createInklessWebhooks({
      secret: 'whsec_core_test_secret',
      now: () => clock.now,
      onEvent,
      ...(toleranceMs === undefined ? {} : { toleranceMs }),
    })
    return { webhooks, onEvent }
  }

  it('inside the dedupe window a replay is a duplicate; after it, toleranceMs refuses it', async () => {
    const clock = { now: sent + 1000 }
    const { webhooks, onEvent } = receiver(clock, 2 * HOUR)
    const captured = post(eventBody())
    expect((await webhooks.handle(captured)).body).toBe('ok')
    clock.now = sent + HOUR
    expect((await webhooks.handle(captured)).body).toBe('duplicate')
    // The default store forgets after 24 h; the timestamp is then 25 h old.
    clock.now = sent + 25 * HOUR
    const late = await webhooks.handle(captured)
    expect([late.status, late.body]).toEqual([401, 'timestamp outside tolerance'])
    expect(onEvent).toHaveBeenCalledTimes(1)
  })

  it('after a restart (a new in-memory store) only toleranceMs refuses a 3-day-old replay', async () => {
    const clock = { now: sent + 1000 }
    const captured = post(eventBody())
    const before = receiver(clock, 2 * HOUR)
    expect((await before.webhooks.handle(captured)).body).toBe('ok')
    clock.now = sent + 72 * HOUR
    const restarted = receiver(clock, 2 * HOUR)
    expect((await restarted.webhooks.handle(captured)).status).toBe(401)
    expect(restarted.onEvent).not.toHaveBeenCalled()
    // Without toleranceMs nothing remembers it: the replay runs again.
    const unbounded = receiver(clock)
    expect((await unbounded.webhooks.handle(captured)).body).toBe('ok')
    expect(unbounded.onEvent).toHaveBeenCalledTimes(1)
  })
})
