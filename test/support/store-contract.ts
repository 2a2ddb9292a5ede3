import { createInklessWebhooks, type DedupeStore } from '@inkless-webhooks/core'
import { describe, expect, it, vi } from 'vitest'
import { eventBody, SECRET, signed } from './deliveries.js'

/** Opens stores that share one namespace (a Redis prefix, a PostgreSQL schema). */
export type OpenStore = (options?: { leaseMs?: number }) => DedupeStore | Promise<DedupeStore>

/**
 * What every dedupe store outside the process does, whatever it keeps its claims in (the
 * Redis and Postgres stores run it): `namespace()` gives a fresh one per test, and `leaseMs`
 * is the shortest claim lifetime the store takes.
 */
export function dedupeStoreContract(
  name: string,
  namespace: () => Promise<OpenStore>,
  leaseMs: number,
) {
  describe(`${name}: the dedupe store contract`, () => {
    it('claims, marks done, releases on failure', async () => {
      const store = await (await namespace())()
      expect(await store.claim('k')).toBe('claimed')
      expect(await store.claim('k')).toBe('processing')
      await store.release('k')
      expect(await store.claim('k')).toBe('claimed')
      await store.complete('k')
      expect(await store.claim('k')).toBe('done')
    })

    it('a claim left by a crashed instance is taken over once expired; its late release cannot delete the new claim', async () => {
      const open = await namespace()
      const crashed = await open({ leaseMs })
      const other = await open({ leaseMs })
      expect(await crashed.claim('k')).toBe('claimed')
      expect(await other.claim('k')).toBe('processing')
      await new Promise((r) => setTimeout(r, leaseMs + 100))
      expect(await other.claim('k')).toBe('claimed')
      await crashed.release('k')
      expect(await other.claim('k')).toBe('processing')
      await other.complete('k')
      expect(await crashed.claim('k')).toBe('done')
    })

    it('behind handle(): a failure is 500 and released, the retry 200, then duplicate; tenants are separate deliveries', async () => {
      const onEvent = vi.fn().mockRejectedValueOnce(new Error('first attempt fails'))
      const webhooks = createInklessWebhooks({
        secret: SECRET,
        tenant: (request) =>
          new URL(request.url ?? '/', 'http://x').searchParams.get('t') ?? undefined,
        onEvent,
        onError: () => {},
        dedupe: await (await namespace())(),
      })
      const body = eventBody()
      const to = (tenant: string) => ({
        method: 'POST',
        url: `/webhook?t=${tenant}`,
        headers: signed(body),
        rawBody: body,
      })
      expect((await webhooks.handle(to('a'))).status).toBe(500)
      expect((await webhooks.handle(to('a'))).status).toBe(200)
      expect(await webhooks.handle(to('a'))).toMatchObject({ status: 200, body: 'duplicate' })
      expect(await webhooks.handle(to('b'))).toMatchObject({ status: 200, body: 'ok' })
      expect(await webhooks.handle(to('b'))).toMatchObject({ status: 200, body: 'duplicate' })
      expect(onEvent).toHaveBeenCalledTimes(3)
    })
  })
}

/** A store whose server cannot be reached: 503 and `onError`, or the handlers with `onStoreError: 'process'`. */
export function unreachableStoreContract(name: string, unreachable: () => DedupeStore) {
  it(`${name} unreachable: 503 and onError; onStoreError "process" runs the handlers instead`, async () => {
    const store = unreachable()
    const onError = vi.fn()
    const onEvent = vi.fn()
    const rejecting = createInklessWebhooks({ secret: SECRET, onError, onEvent, dedupe: store })
    const body = eventBody()
    const delivery = { method: 'POST', headers: signed(body), rawBody: body }
    expect((await rejecting.handle(delivery)).status).toBe(503)
    expect(onEvent).not.toHaveBeenCalled()
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'store_unavailable' })
    const processing = createInklessWebhooks({
      secret: SECRET,
      onError: () => {},
      onEvent,
      dedupe: store,
      onStoreError: 'process',
    })
    expect((await processing.handle(delivery)).status).toBe(200)
    expect(onEvent).toHaveBeenCalledTimes(1)
  })
}
