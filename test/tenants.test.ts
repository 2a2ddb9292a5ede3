import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DeliveryContext, InklessEvent, InklessWebhooksOptions } from '@inkless-webhooks/core'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import { inklessWebhooks } from '@inkless-webhooks/express'
import express from 'express'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, tenantOf } from '../examples/multi-account/app.js'
import { eventBody, handshakeBody, signed } from './support/deliveries.js'
import { send } from './support/http.js'

/** The platform's database, as the example reads it: counted, and able to fail. */
class Accounts {
  readonly rows = new Map<string, string | string[]>([
    ['acme', 'whsec_acme_2f9c41'],
    ['globex', 'whsec_globex_77d0e3'],
  ])
  readonly lookups: string[] = []
  failures = 0
  /** While set, lookups wait for it: many requests are in flight before any answer. */
  gate: Promise<void> | undefined
  async webhookSecret(tenant: string) {
    this.lookups.push(tenant)
    const fails = this.failures > 0
    if (fails) this.failures--
    await this.gate
    if (fails) throw new Error('connection to the accounts database was reset')
    return this.rows.get(tenant)
  }
  secret(tenant: string) {
    return this.rows.get(tenant) as string
  }
}

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close()
    server.closeAllConnections()
    await once(server, 'close')
  }
})

/**
 * The example app on a real socket, or the same route over core's source (whose coverage
 * counts); returns its base URL and what its handlers saw.
 */
async function serve(build: Build, accounts: Accounts, options: InklessWebhooksOptions = {}) {
  const handled: [tenant: string | undefined, event: string][] = []
  const errors: { code?: string; tenant?: string }[] = []
  const record = (event: InklessEvent, context: DeliveryContext) => {
    handled.push([context.tenant, event.event])
  }
  const all: InklessWebhooksOptions = {
    onDocumentSigned: record,
    onEnvelopeComplete: record,
    onError: (error: Error & { code?: string }, context: { tenant?: string }) =>
      errors.push({ code: error.code, tenant: context.tenant }),
    ...options,
  }
  let app: express.Express
  if (build === 'example app') {
    app = createApp(accounts, all).app
  } else {
    app = express()
    const secret = (tenant: string) => accounts.webhookSecret(tenant)
    app.post(
      '/webhooks/:tenant',
      inklessWebhooks(createInklessWebhooks({ tenant: tenantOf, secret, ...all })),
    )
  }
  const server: Server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await once(server, 'listening')
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
  return { base, handled, errors }
}

type Build = 'example app' | 'core source'

const deliver = (url: string, body: string, secret: string) =>
  send(url, { body, headers: signed(body, secret) })

describe.each<Build>(['example app', 'core source'])(
  'one endpoint, many Inkless accounts (%s)',
  (build) => {
    const start = (accounts: Accounts, options?: InklessWebhooksOptions) =>
      serve(build, accounts, options)

    it("one tenant's secret never validates another tenant's deliveries, either way", async () => {
      const accounts = new Accounts()
      const { base, handled } = await start(accounts)
      const acme = accounts.secret('acme')
      const globex = accounts.secret('globex')

      expect((await deliver(`${base}/globex`, eventBody(), acme)).status).toBe(401)
      expect((await deliver(`${base}/acme`, eventBody(), globex)).status).toBe(401)
      expect(handled).toEqual([])
      expect((await deliver(`${base}/acme`, eventBody(), acme)).status).toBe(200)
      expect((await deliver(`${base}/globex`, eventBody(), globex)).status).toBe(200)
      expect(handled).toEqual([
        ['acme', 'document_signed'],
        ['globex', 'document_signed'],
      ])
    })

    it('holds for random tenants and secrets', async () => {
      const accounts = new Accounts()
      const { base, handled } = await start(accounts)
      let run = 0
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.stringMatching(/^[\w-]{1,24}$/), { minLength: 2, maxLength: 2 }),
          // A blank secret is refused as a misconfiguration (503, reported): not generated.
          fc.uniqueArray(
            fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
            { minLength: 2, maxLength: 2 },
          ),
          async ([a, b], [secretA, secretB]) => {
            // A fresh prefix each run: the lookups of earlier runs stay cached for a minute.
            run++
            const [tenantA, tenantB] = [`${run}-${a}`, `${run}-${b}`]
            accounts.rows.set(tenantA, secretA as string)
            accounts.rows.set(tenantB, secretB as string)
            const body = eventBody()
            expect((await deliver(`${base}/${tenantB}`, body, secretA as string)).status).toBe(401)
            expect((await deliver(`${base}/${tenantA}`, body, secretB as string)).status).toBe(401)
            expect((await deliver(`${base}/${tenantA}`, body, secretA as string)).status).toBe(200)
            expect(handled.at(-1)).toEqual([tenantA, 'document_signed'])
          },
        ),
        { numRuns: 25 },
      )
      expect(handled).toHaveLength(25)
    })

    it('the same event for two tenants is processed once per tenant', async () => {
      const accounts = new Accounts()
      const { base, handled } = await start(accounts)
      const body = eventBody('envelope_complete')
      const answers = []
      for (const tenant of ['acme', 'globex', 'acme', 'globex']) {
        answers.push((await deliver(`${base}/${tenant}`, body, accounts.secret(tenant))).body)
      }
      expect(answers).toEqual(['ok', 'ok', 'duplicate', 'duplicate'])
      expect(handled).toEqual([
        ['acme', 'envelope_complete'],
        ['globex', 'envelope_complete'],
      ])
    })

    it('a failed lookup is 503 with Retry-After and reported; the retry a second later looks again and succeeds', async () => {
      const accounts = new Accounts()
      accounts.failures = 1
      let clock = 0
      const { base, handled, errors } = await start(accounts, { now: () => clock })
      const body = eventBody()

      const failed = await deliver(`${base}/acme`, body, accounts.secret('acme'))
      expect([failed.status, failed.headers['retry-after'], failed.body]).toEqual([
        503,
        '5',
        'secret lookup failed',
      ])
      expect(errors).toEqual([{ code: 'secret_lookup_failed', tenant: 'acme' }])
      expect(handled).toEqual([])

      clock += 1000 // failures are kept for a second
      expect((await deliver(`${base}/acme`, body, accounts.secret('acme'))).status).toBe(200)
      expect(accounts.lookups).toEqual(['acme', 'acme'])
      expect(handled).toEqual([['acme', 'document_signed']])
    })

    it('looks each tenant up once within secretCacheMs, however many requests arrive at once', async () => {
      const accounts = new Accounts()
      let open = () => {}
      accounts.gate = new Promise((resolve) => {
        open = resolve
      })
      let clock = Date.parse('2026-03-12T09:00:00Z')
      const { base, handled } = await start(accounts, { now: () => clock, secretCacheMs: 30_000 })

      const burst = ['acme', 'globex'].flatMap((tenant) =>
        Array.from({ length: 12 }, () =>
          deliver(`${base}/${tenant}`, eventBody(), accounts.secret(tenant)),
        ),
      )
      while (accounts.lookups.length < 2) await new Promise((r) => setTimeout(r, 5))
      open()
      expect((await Promise.all(burst)).map((a) => a.status)).toEqual(Array(24).fill(200))
      expect(accounts.lookups.sort()).toEqual(['acme', 'globex'])
      expect(handled).toHaveLength(24)

      clock += 29_999
      await deliver(`${base}/acme`, eventBody(), accounts.secret('acme'))
      expect(accounts.lookups).toHaveLength(2)
      clock += 1
      await deliver(`${base}/acme`, eventBody(), accounts.secret('acme'))
      expect(accounts.lookups).toEqual(['acme', 'globex', 'acme'])
    })

    it('a lookup that hangs is 503 after secretLookupTimeoutMs for every request sharing it, and is dropped', async () => {
      const accounts = new Accounts()
      accounts.gate = new Promise(() => {}) // the database never answers
      let clock = 0
      const { base, errors } = await start(accounts, {
        now: () => clock,
        secretLookupTimeoutMs: 200,
      })
      const noAnswer = new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 5000))
      const burst = Array.from({ length: 20 }, () =>
        Promise.race([
          deliver(`${base}/acme`, eventBody(), accounts.secret('acme')).then((a) => a.status),
          noAnswer,
        ]),
      )
      expect(await Promise.all(burst)).toEqual(Array(20).fill(503))
      expect(accounts.lookups).toEqual(['acme'])
      expect(errors).toEqual([{ code: 'secret_lookup_failed', tenant: 'acme' }])

      accounts.gate = undefined
      clock += 1000
      expect((await deliver(`${base}/acme`, eventBody(), accounts.secret('acme'))).status).toBe(200)
      expect(accounts.lookups).toEqual(['acme', 'acme'])
    })

    it('a lookup that throws for a junk name costs one query and one report, however many requests name it', async () => {
      const accounts = new Accounts()
      accounts.failures = Number.POSITIVE_INFINITY // e.g. a uuid column refusing the name
      const { base, errors } = await start(accounts, { now: () => 0 })
      const requests = 200
      const statuses: number[] = []
      for (let batch = 0; batch < requests / 20; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, () =>
            send(`${base}/not-a-uuid`, {
              body: eventBody(),
              headers: { 'content-type': 'application/json' },
            }),
          ),
        )
        statuses.push(...answers.map((a) => a.status))
      }
      expect(statuses).toEqual(Array(requests).fill(503))
      expect(accounts.lookups).toEqual(['not-a-uuid'])
      expect(errors).toEqual([{ code: 'secret_lookup_failed', tenant: 'not-a-uuid' }])
    })

    it("a tenant's spellings are one tenant when the lookup returns its id: one run, the rest duplicates", async () => {
      const accounts = new Accounts()
      // A case-insensitive lookup (MySQL's default collation, citext) naming the row's id.
      const secret = (name: string) => {
        const id = name.toLowerCase()
        const row = accounts.rows.get(id)
        return row === undefined ? undefined : { id, secret: row }
      }
      const { base, handled } = await start(accounts, { secret })
      const body = eventBody()
      const answers = []
      for (const spelling of ['acme', 'ACME', 'Acme', 'aCme', 'acMe', 'acmE', 'ACme', 'AcMe']) {
        answers.push((await deliver(`${base}/${spelling}`, body, accounts.secret('acme'))).body)
      }
      expect(answers).toEqual(['ok', ...Array(7).fill('duplicate')])
      expect(handled).toEqual([['acme', 'document_signed']])
    })

    it('a tenant probed before it existed is found 5 s later: misses are kept briefly', async () => {
      const accounts = new Accounts()
      let clock = 0
      const { base, handled } = await start(accounts, { now: () => clock })
      expect((await deliver(`${base}/newco`, eventBody(), 'whsec_guess')).status).toBe(404)
      accounts.rows.set('newco', 'whsec_newco_1')
      clock += 4999
      expect((await deliver(`${base}/newco`, eventBody(), 'whsec_newco_1')).status).toBe(404)
      clock += 1
      expect((await deliver(`${base}/newco`, eventBody(), 'whsec_newco_1')).status).toBe(200)
      expect(handled).toEqual([['newco', 'document_signed']])
    })

    it('tenant paths fuzzed (long, unicode, case variants, "..", empty): never a 500, only well-formed names looked up, one run per delivery', async () => {
      const accounts = new Accounts()
      const looked: string[] = []
      const secret = (name: string) => {
        looked.push(name)
        const id = name.toLowerCase()
        const row = accounts.rows.get(id)
        return row === undefined ? undefined : { id, secret: row }
      }
      const { base, handled } = await start(accounts, { secret })
      const body = eventBody()
      const segment = fc.oneof(
        fc.constantFrom('', '..', '../acme', 'acme/..', '.', 'ACME', 'Acme', 'aCmE', 'acme%2F..'),
        fc.string({ maxLength: 80 }).map(encodeURIComponent),
        fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent),
        fc.integer({ min: 65, max: 4000 }).map((n) => 'a'.repeat(n)),
        fc
          .constantFrom('acme')
          .chain((t) =>
            fc
              .array(fc.boolean(), { minLength: 4, maxLength: 4 })
              .map((upper) => [...t].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')),
          ),
      )
      const statuses = new Set<number>()
      await fc.assert(
        fc.asyncProperty(segment, async (name) => {
          const answer = await deliver(`${base}/${name}`, body, accounts.secret('acme'))
          statuses.add(answer.status)
          expect(answer.status).toBeLessThan(500)
        }),
        { numRuns: 150 },
      )
      expect(looked.every((name) => /^[\w-]{1,64}$/.test(name))).toBe(true)
      // The one captured delivery ran once, whatever spelling of acme reached it first.
      expect(handled.length).toBeLessThanOrEqual(1)
      expect(handled.every(([tenant]) => tenant === 'acme')).toBe(true)
      expect([...statuses].every((s) => [200, 404].includes(s))).toBe(true)
    })

    it("unknownTenant: 'invalid-signature' answers an unknown tenant exactly as a forgery", async () => {
      const accounts = new Accounts()
      const { base } = await start(accounts, { unknownTenant: 'invalid-signature' })
      const body = eventBody()
      const unknown = await deliver(`${base}/initech`, body, 'whsec_guess')
      const forged = await deliver(`${base}/acme`, body, 'whsec_guess')
      const strip = ({ date, ...headers }: Record<string, unknown>) => headers
      expect([unknown.status, unknown.body, strip(unknown.headers)]).toEqual([
        forged.status,
        forged.body,
        strip(forged.headers),
      ])
      expect(unknown.status).toBe(401)
    })

    it('an unknown tenant is 404 without running a handler; misses are cached too', async () => {
      const accounts = new Accounts()
      const { base, handled } = await start(accounts)
      const body = eventBody()

      for (let i = 0; i < 2; i++) {
        const answer = await deliver(`${base}/initech`, body, accounts.secret('acme'))
        expect([answer.status, answer.body]).toEqual([404, 'unknown webhook endpoint'])
      }
      expect(accounts.lookups).toEqual(['initech'])
      // No tenant in the path at all: 404 before any lookup.
      expect((await deliver(`${base}/a%20b`, body, accounts.secret('acme'))).status).toBe(404)
      expect(accounts.lookups).toEqual(['initech'])
      expect(handled).toEqual([])
    })

    it('answers the handshake of a tenant whose secret is not stored yet', async () => {
      // Inkless sends it when the URL is saved, before it shows the customer the secret.
      const accounts = new Accounts()
      const { base } = await start(accounts)
      const answer = await send(`${base}/newco`, {
        body: handshakeBody('vs_newco'),
        headers: { 'content-type': 'application/json' },
      })
      expect([answer.status, answer.body]).toEqual([200, 'vs_newco'])
      expect((await deliver(`${base}/newco`, eventBody(), 'whsec_any')).status).toBe(404)
    })

    it('a blank secret in the database is a failed lookup: 503, reported, never a match', async () => {
      const accounts = new Accounts()
      accounts.rows.set('acme', ' ')
      const { base, errors } = await start(accounts)
      expect((await deliver(`${base}/acme`, eventBody(), ' ')).status).toBe(503)
      expect(errors).toEqual([{ code: 'secret_lookup_failed', tenant: 'acme' }])
    })

    it('rotation: a tenant row with two secrets accepts either', async () => {
      const accounts = new Accounts()
      accounts.rows.set('acme', ['whsec_acme_old', 'whsec_acme_new'])
      const { base } = await start(accounts)
      expect((await deliver(`${base}/acme`, eventBody(), 'whsec_acme_old')).status).toBe(200)
      expect((await deliver(`${base}/acme`, eventBody(), 'whsec_acme_new')).status).toBe(200)
      expect((await deliver(`${base}/acme`, eventBody(), accounts.secret('globex'))).status).toBe(
        401,
      )
    })
  },
)
