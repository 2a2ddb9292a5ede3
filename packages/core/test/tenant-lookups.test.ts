import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import type {
  DeliveryQueue,
  InklessRequest,
  InklessWebhooksOptions,
  QueuedDelivery,
} from '../src/index.js'
import { eventBody, platforms, SECRET, signedHeaders } from './helpers.js'

// The tenant and secret lookups of one endpoint serving many Inkless accounts, against what
// unsigned requests can make of them.

const tenantHeader = (request: InklessRequest) =>
  (request.headers as Record<string, string | undefined>)['x-tenant']

const named = (
  tenant: string,
  body = eventBody(),
  headers: Record<string, string> = signedHeaders(body),
) => ({
  method: 'POST',
  url: '/webhook',
  headers: { ...headers, 'x-tenant': tenant },
  rawBody: body,
})

describe.each(platforms)('%s', (_platform, { createInklessWebhooks }) => {
  const create = (options: InklessWebhooksOptions) =>
    createInklessWebhooks({
      tenant: tenantHeader,
      onError: () => {},
      onEvent: () => {},
      ...options,
    })

  it('the lookup is handed the tenant only; one that asks for the request is refused at creation', async () => {
    const calls: unknown[][] = []
    const w = create({
      secret: (...args: [string]) => {
        calls.push(args)
        return SECRET
      },
    })
    expect((await w.handle(named('acme'))).status).toBe(200)
    expect(calls).toEqual([['acme']])
    // A lookup reading the Host header let one unsigned request fix a tenant's secret.
    const readsRequest = ((tenant: string, request: InklessRequest) =>
      `${tenant}${String(request.url)}`) as unknown as (tenant: string) => string
    expect(() => create({ secret: readsRequest })).toThrow(
      /^inkless-webhooks: a `secret` function receives the tenant only/,
    )
  })

  it('a flood of unknown names never evicts a found tenant: the cache is bounded by bytes, not cleared', async () => {
    const lookups: string[] = []
    const w = create({
      now: () => 0,
      secret: (tenant) => {
        lookups.push(tenant)
        return tenant === 'acme' ? SECRET : undefined
      },
    })
    expect((await w.handle(named('acme'))).status).toBe(200)
    const names = 12_000
    const unsigned = { 'content-type': 'application/json' }
    for (let i = 0; i < names; i++) {
      await w.handle(named(`junk-${i}-${'x'.repeat(100)}`, '{}', unsigned))
    }
    expect((await w.handle(named('acme'))).status).toBe(200)
    expect(lookups.filter((t) => t === 'acme')).toEqual(['acme'])
    expect(lookups).toHaveLength(names + 1)
  })

  it("queue mode: every spelling of a tenant hands the queue one dedupe key (the job id) and the tenant's id", async () => {
    const jobs = new Map<string, QueuedDelivery>()
    const queue: DeliveryQueue = {
      enqueue: (delivery) => {
        if (jobs.has(delivery.dedupeKey)) return 'duplicate'
        jobs.set(delivery.dedupeKey, delivery)
        return 'queued'
      },
    }
    const w = createInklessWebhooks({
      tenant: tenantHeader,
      onError: () => {},
      queue,
      secret: (name) =>
        name.toLowerCase() === 'acme' ? { id: 'acme', secret: SECRET } : undefined,
    })
    const body = eventBody()
    const answers = []
    for (const spelling of ['acme', 'ACME', 'Acme', 'aCME']) {
      answers.push((await w.handle(named(spelling, body))).body)
    }
    expect(answers).toEqual(['ok', 'duplicate', 'duplicate', 'duplicate'])
    expect([...jobs.values()].map((job) => job.tenant)).toEqual(['acme'])
  })

  it('found tenants are bounded by bytes: past 4 MiB the oldest are looked up again, the newest are not', async () => {
    const lookups = new Map<string, number>()
    const w = create({
      now: () => 0,
      secret: (tenant) => {
        lookups.set(tenant, (lookups.get(tenant) ?? 0) + 1)
        return SECRET
      },
    })
    // About 400 bytes each: 20,000 of them are twice the bound.
    const name = (i: number) => `tenant-${i}-${'n'.repeat(100)}`
    const tenants = 20_000
    for (let i = 0; i < tenants; i++) await w.handle(named(name(i), '{}', {}))
    await w.handle(named(name(0), '{}', {}))
    await w.handle(named(name(tenants - 1), '{}', {}))
    expect(lookups.get(name(0))).toBe(2)
    expect(lookups.get(name(tenants - 1))).toBe(1)
  })

  it('tenant() fuzzed (long, unicode, case variants, "..", empty, non-strings, throws): never a 500, never a long name looked up or reported', async () => {
    const looked: string[] = []
    const reported: unknown[] = []
    const handled: unknown[] = []
    const tenantValue = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.constantFrom(
        '',
        '..',
        '../acme',
        'ACME',
        'Acme',
        'acme',
        'a'.repeat(129),
        'a'.repeat(15_000),
      ),
      fc.anything(),
    )
    await fc.assert(
      fc.asyncProperty(tenantValue, fc.boolean(), async (value, throws) => {
        const w = createInklessWebhooks({
          tenant: () => {
            if (throws) throw new URIError('URI malformed')
            return value as string
          },
          secret: (tenant) => {
            looked.push(tenant)
            return tenant.toLowerCase() === 'acme' ? { id: 'acme', secret: SECRET } : undefined
          },
          onError: (error, context) => reported.push(error, context.tenant),
          onEvent: (_event, context) => handled.push(context.tenant),
        })
        const body = eventBody()
        const answer = await w.handle({
          method: 'POST',
          url: '/webhook',
          headers: signedHeaders(body),
          rawBody: body,
        })
        expect([200, 404]).toContain(answer.status)
      }),
      { numRuns: 300 },
    )
    expect(looked.every((t) => typeof t === 'string' && t !== '' && t.length <= 128)).toBe(true)
    expect(JSON.stringify(reported).length).toBeLessThan(10_000)
    expect(handled.every((t) => t === 'acme')).toBe(true)
  })

  it('tenant() throwing is a 404 before the body is read, counted in one report a minute', async () => {
    const onError = vi.fn()
    let clock = 0
    const w = createInklessWebhooks({
      now: () => clock,
      tenant: () => {
        throw new URIError('URI malformed')
      },
      secret: () => SECRET,
      onError,
    })
    for (let i = 0; i < 50; i++) {
      const answer = await w.handle(named('acme'))
      expect([answer.status, answer.headers.connection]).toEqual([404, 'close'])
    }
    clock += 60_000
    await w.handle(named('acme'))
    expect(
      onError.mock.calls.map(([error]) => [error.code, error.message, error.cause?.message]),
    ).toEqual([
      [
        'tenant_failed',
        '1 request(s) whose tenant() threw (answered 404) in the last minute.',
        'URI malformed',
      ],
      [
        'tenant_failed',
        '50 request(s) whose tenant() threw (answered 404) in the last minute.',
        'URI malformed',
      ],
    ])
  })
})
