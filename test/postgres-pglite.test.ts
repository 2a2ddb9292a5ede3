// The store's contract on PGlite (PostgreSQL compiled to WASM, in this process): the
// embedded default of examples/postgres. One file only: PGlite takes seconds to start and
// hundreds of MB.
import { PGlite } from '@electric-sql/pglite'
import type { Queryable } from '@inkless-webhooks/postgres'
import { afterAll, beforeAll } from 'vitest'
import { postgresStoreContract } from './support/postgres-contract.js'

let pglite: PGlite
beforeAll(async () => {
  pglite = await PGlite.create()
})
afterAll(() => pglite.close())

postgresStoreContract(
  'PGlite',
  () => pglite,
  () => (work) => pglite.transaction((tx) => work(tx as Queryable)),
)
