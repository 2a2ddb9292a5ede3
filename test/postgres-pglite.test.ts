// The store's contract on PGlite (PostgreSQL compiled to WASM, in this process): the
// embedded default of examples/postgres. One file only: PGlite takes seconds to start and
// hundreds of MB.
import { PGlite } from '@electric-sql/pglite'
import type { Queryable } from '@inkless-webhooks/postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { postgresStoreContract } from './support/postgres-contract.js'
import { PRINTED, playOutOfOrder, startExample, stopExamples } from './support/postgres-examples.js'

// First, while this process holds no PGlite of its own.
describe('examples/postgres/pg.js without DATABASE_URL', () => {
  afterEach(stopExamples)
  it('runs on PGlite: out-of-order events keep the newest status, a duplicate runs nothing', {
    timeout: 60_000,
  }, async () => {
    const { url, stdout } = await startExample('pg.js', { DATABASE_URL: undefined })
    expect(await playOutOfOrder(url)).toEqual(['200 ok', '200 ok', '200 ok', '200 duplicate'])
    await vi.waitFor(() => expect(stdout).toEqual(PRINTED))
  })
})

describe('PGlite in this process', () => {
  let pglite: PGlite
  // Seconds alone; far more beside the rest of the suite on two cores.
  beforeAll(async () => {
    pglite = await PGlite.create()
  }, 120_000)
  afterAll(() => pglite.close())

  postgresStoreContract(
    'PGlite',
    () => pglite,
    () => (work) => pglite.transaction((tx) => work(tx as Queryable)),
  )
})
