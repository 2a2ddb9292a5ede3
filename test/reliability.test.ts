import { createHash } from 'node:crypto'
import { connect } from 'node:net'
import type { DeliveryContext, InklessEvent } from '@inkless-webhooks/core'
import { planEnvelopes } from '@inkless-webhooks/testing'
import { describe, expect, it } from 'vitest'
import { deliverAll } from './support/deliver.js'
import { SECRET, signed } from './support/deliveries.js'
import { size } from './support/stress.js'
import { targets } from './support/targets.js'

const overSockets = targets.filter((t) => t.name !== 'fetch (Hono app.request)')

/** Counts each dedupe key a listener finished; the tests expect exactly one per event. */
function ledger() {
  const handled = new Map<string, number>()
  return {
    handled,
    record(_: InklessEvent, { dedupeKey }: DeliveryContext) {
      handled.set(dedupeKey, (handled.get(dedupeKey) ?? 0) + 1)
    },
  }
}

// A bounded load: 20,000 deliveries into each adapter at concurrency 64 (pnpm stress), 4,000
// in pnpm test.
const ENVELOPES = size(760, 152)
describe.each(overSockets)('$name under load and faults', (target) => {
  it(`about ${ENVELOPES * 26} shuffled deliveries, 20% duplicates, concurrency 64: each event handled once, no 5xx`, {
    timeout: 120_000,
  }, async () => {
    const { handled, record } = ledger()
    const app = await target.start({ secret: SECRET, onEvent: record, onError: () => {} })
    try {
      const plan = planEnvelopes({
        envelopes: ENVELOPES,
        signers: 2,
        duplicates: 0.2,
        shuffle: true,
      })
      const unique = new Set(plan.map((d) => d.body)).size
      expect(plan.length).toBeGreaterThanOrEqual(ENVELOPES * 25)
      const statuses = await deliverAll(
        plan.map((d) => d.body),
        () => [app.url as string],
        { concurrency: 64 },
      )
      expect(handled.size).toBe(unique)
      expect(Math.max(...handled.values())).toBe(1)
      expect([...statuses.keys()].filter((s) => s >= 500 || s === 0)).toEqual([])
    } finally {
      await app.close()
    }
  })

  it('handlers failing on 20% of first attempts: with retries, every event handled exactly once', {
    timeout: 60_000,
  }, async () => {
    const { handled, record } = ledger()
    const attempts = new Map<string, number>()
    // Deterministic: the same fifth of the events fails on its first attempt in every run.
    const flaky = (key: string) => (createHash('sha256').update(key).digest()[0] ?? 0) < 256 * 0.2
    const app = await target.start({
      secret: SECRET,
      onError: () => {},
      onEvent: async (event, context) => {
        const n = (attempts.get(context.dedupeKey) ?? 0) + 1
        attempts.set(context.dedupeKey, n)
        await new Promise((r) => setImmediate(r))
        if (n === 1 && flaky(context.dedupeKey)) throw new Error('downstream timeout')
        record(event, context)
      },
    })
    try {
      const plan = planEnvelopes({
        envelopes: size(100, 40),
        signers: 2,
        duplicates: 0.2,
        shuffle: true,
      })
      const unique = new Set(plan.map((d) => d.body)).size
      const statuses = await deliverAll(
        plan.map((d) => d.body),
        () => [app.url as string],
        { concurrency: 32 },
      )
      expect(statuses.get(500)).toBeGreaterThan(unique * 0.1)
      expect(handled.size).toBe(unique)
      expect(Math.max(...handled.values())).toBe(1)
    } finally {
      await app.close()
    }
  })

  it('clients that disconnect mid-body leave no stuck handler, claim or connection', {
    timeout: 30_000,
  }, async () => {
    const { handled, record } = ledger()
    const app = await target.start({ secret: SECRET, onEvent: record, onError: () => {} })
    try {
      const { hostname, port } = new URL(app.url as string)
      const body = JSON.stringify({
        event: 'document_signed',
        document_token: 'cut',
        timestamp: '2026-03-11T23:25:31Z',
      })
      const headers = signed(body)
      for (let i = 0; i < 100; i++) {
        const socket = connect(Number(port), hostname)
        await new Promise((resolve) => socket.once('connect', resolve))
        socket.write(
          `POST /webhook HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
            `X-Inkless-Signature: ${headers['x-inkless-signature']}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, i % body.length)}`,
        )
        await new Promise((r) => setTimeout(r, 1))
        socket.destroy()
      }
      await app.webhooks.idle()
      expect(handled.size).toBe(0)
      // The same delivery, complete this time, is processed: no claim was left behind.
      const res = await app.send({ body, headers })
      expect(res.status).toBe(200)
      expect(handled.size).toBe(1)
      expect(await app.openConnections()).toBeLessThanOrEqual(1)
    } finally {
      await app.close()
    }
  })
})
