// examples/pg-boss as its comment runs it: one process, receiver and worker, on an embedded
// PostgreSQL (PGlite) or, with DATABASE_URL, on a real server; the CLI plays Inkless.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { SECRET } from './support/deliveries.js'
import { FixtureProcess } from './support/fleet.js'
import { PostgresServer } from './support/postgres.js'

const execute = promisify(execFile)
const cli = join(import.meta.dirname, '../packages/testing/dist/cli.mjs')
const app = '../../examples/pg-boss/app.js'
let postgres: PostgresServer
const running: FixtureProcess[] = []
beforeAll(async () => {
  postgres = await PostgresServer.start()
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')))
})
afterAll(async () => {
  await postgres.destroy()
})

async function startApp(env: Record<string, string>) {
  const started = await FixtureProcess.start(app, [], { PORT: '0', ...env }, /^listening on /)
  running.push(started)
  const url = (started.lines.find((l) => l.startsWith('listening on ')) as string).slice(13)
  return { app: started, url }
}

const inkless = (...args: string[]) =>
  execute(process.execPath, [cli, ...args], {
    env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET },
  })

describe.each([
  ['embedded (PGlite)', () => ({})],
  ['on PostgreSQL (DATABASE_URL)', () => ({ DATABASE_URL: postgres.url })],
])('examples/pg-boss %s', { timeout: 60_000 }, (_, env) => {
  it('the CLI simulate: every answer 2xx at the first attempt; each distinct event processed once', async () => {
    const { app, url } = await startApp(env())
    const { stdout } = await inkless('simulate', url, '--envelopes', '2', '--duplicates', '0.3')
    const total = stdout.match(/^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m)
    expect(total?.[1]).toBe(total?.[2])
    expect(total?.[3]).toBe('0')
    // 2 envelopes of 2 signers: 10 events per signer, then document_complete and envelope_complete.
    const processed = () => app.lines.filter((l) => /^[a-z_]+: /.test(l))
    await vi.waitFor(() => expect(processed()).toHaveLength(44), { timeout: 20_000 })
    expect(new Set(processed()).size).toBe(44)
  })

  it('FLAKY_CRM: the worker retries a failed envelope_complete on its own, every listener again', async () => {
    const { app, url } = await startApp({ ...env(), FLAKY_CRM: '1' })
    const { stdout } = await inkless('send', url, 'envelope_complete', '--document-token', 'tok_f')
    expect(stdout).toMatch(/^200 ok/)
    await vi.waitFor(() => expect(app.lines).toContain('envelope_complete: tok_f (attempt 2)'), {
      timeout: 20_000,
    })
    expect(app.lines.filter((l) => l.startsWith('envelope_complete: tok_f'))).toEqual([
      'envelope_complete: tok_f',
      'envelope_complete: tok_f (attempt 2)',
    ])
  })
})
