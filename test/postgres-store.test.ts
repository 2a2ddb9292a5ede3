import { createInklessWebhooks } from '@inkless-webhooks/core'
import {
  createPostgresDedupeStore,
  createPostgresTransactionalStore,
  poolTransaction,
} from '@inkless-webhooks/postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { PostgresServer } from './support/postgres.js'
import { freshSchema, postgresStoreContract } from './support/postgres-contract.js'
import { unreachableStoreContract } from './support/store-contract.js'

let server: PostgresServer
let pool: pg.Pool
const pools: pg.Pool[] = []
/** A pool that answers an outage quickly; every one is ended after the file. */
const poolOf = (url: string) => {
  const p = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 1000, max: 8 })
  p.on('error', () => {})
  pools.push(p)
  return p
}
/** A server of the test's own, destroyed when the test ends (even on a timeout). */
const ownServer = async () => {
  const own = await PostgresServer.start()
  onTestFinished(() => own.destroy())
  return own
}

beforeAll(async () => {
  server = await PostgresServer.start()
  pool = poolOf(server.url)
})
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => {})))
  await server.destroy()
})

postgresStoreContract(
  'PostgreSQL 15',
  () => pool,
  () => poolTransaction(pool),
)

describe('createPostgresDedupeStore when PostgreSQL is away', () => {
  unreachableStoreContract('PostgreSQL', () =>
    createPostgresDedupeStore({ pool: poolOf('postgres://postgres@127.0.0.1:1/x') }),
  )

  it('a claim that timed out while PostgreSQL was paused is released when it lands late: the retry is processed', async () => {
    const own = await ownServer()
    // One connection, open before the pause: the claim is sent on it and lands on resume.
    const client = new pg.Client(own.url)
    client.on('error', () => {})
    await client.connect()
    onTestFinished(() => client.end().catch(() => {}))
    const schema = await freshSchema(client)
    const onEvent = vi.fn()
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      onEvent,
      onError: () => {},
      dedupe: createPostgresDedupeStore({ client, schema, timeoutMs: 300 }),
    })
    const body = eventBody()
    const delivery = { method: 'POST', headers: signed(body), rawBody: body }
    own.pause()
    expect((await webhooks.handle(delivery)).status).toBe(503)
    own.resume()
    await vi.waitFor(async () => expect((await webhooks.handle(delivery)).status).toBe(200), {
      timeout: 5000,
      interval: 100,
    })
    expect(onEvent).toHaveBeenCalledTimes(1)
    expect(await webhooks.handle(delivery)).toMatchObject({ status: 200, body: 'duplicate' })
  })

  it('a delivery completed while PostgreSQL is down is recorded once it is back', async () => {
    const own = await ownServer()
    const ownPool = poolOf(own.url)
    const schema = await freshSchema(ownPool)
    const store = createPostgresDedupeStore({ pool: ownPool, schema, timeoutMs: 300 })
    expect(await store.claim('k')).toBe('claimed')
    await own.stop()
    await expect(store.complete('k')).rejects.toThrow()
    expect(await store.claim('k')).toBe('done')
    await own.start()
    const other = createPostgresDedupeStore({ pool: poolOf(own.url), schema })
    await vi.waitFor(async () => expect(await other.claim('k')).toBe('done'), { timeout: 10_000 })
  })
})

describe("transactional handling and respond: 'immediately'", () => {
  it('throws when the instance is made, naming both options and what to do (before: silently answered after the commit)', () => {
    const dedupe = createPostgresTransactionalStore({ pool })
    const create = (respond?: 'immediately' | 'after-handlers') => () =>
      createInklessWebhooks({ secret: SECRET, dedupe, respond })
    expect(create('immediately')).toThrow(
      /^inkless-webhooks: `respond: 'immediately'` does not apply with a transactional store \(`dedupe: createPostgresTransactionalStore\(…\)`\): .*drop `respond`/,
    )
    expect(create('after-handlers')).not.toThrow()
    expect(create()).not.toThrow()
  })
})
