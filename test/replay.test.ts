import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InklessEvent } from '@inkless-webhooks/core'
import { inklessWebhooks } from '@inkless-webhooks/node'
import type { DeliveryHistory, HistoryEntry } from '@inkless-webhooks/testing'
import {
  buildHandshakeRequest,
  buildSignedRequest,
  createTestEvent,
} from '@inkless-webhooks/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './support/cli.js'
import { SECRET } from './support/deliveries.js'

// A receiver with the default in-memory dedupe: what it ran shows what a replay delivered.
const received: InklessEvent[] = []
const server = createServer(
  inklessWebhooks({ secret: SECRET, path: '/webhook', onEvent: (e) => void received.push(e) }),
)
let target: string
const dir = mkdtempSync(join(tmpdir(), 'inkless-replay-'))

const entry = (
  id: number,
  kind: HistoryEntry['kind'],
  request: { headers: Record<string, string>; body: string },
): HistoryEntry => ({
  id,
  at: new Date().toISOString(),
  kind,
  request: { url: 'http://127.0.0.1:1/old', ...request },
  response: { status: 200, headers: {}, body: 'ok' },
  durationMs: 1,
})

const signedEvent = createTestEvent('document_signed', { document_token: 'tok_replay' })
const history: DeliveryHistory = {
  format: 'inkless-webhooks-history',
  version: 1,
  deliveries: [
    entry(1, 'handshake', buildHandshakeRequest()),
    {
      ...entry(2, 'event', buildSignedRequest(signedEvent, { secret: SECRET })),
      event: 'document_signed',
    },
    {
      ...entry(3, 'forged', buildSignedRequest(signedEvent, { secret: 'not-the-secret' })),
      event: 'document_signed',
    },
  ],
}
const file = join(dir, 'history.json')

beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`
  writeFileSync(file, JSON.stringify(history))
})
afterAll(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('inkless-webhooks replay <history.json>', () => {
  it('as-is: the exact requests again, in order; a second run is all duplicates', async () => {
    const first = await cli(['replay', file, '--to', target])
    expect(first.code).toBe(1) // the forged copy
    const lines = first.stdout.split('\n')
    expect(lines[0]).toMatch(/^#1 handshake {2}200 /)
    expect(lines[1]).toMatch(/^#2 document_signed {2}200 ok/)
    expect(lines[2]).toMatch(/^#3 document_signed \(forged\) {2}401 /)
    expect(lines[3]).toMatch(/^401 invalid signature/)
    expect(lines[4]).toBe(`1 of 3 deliveries replayed to ${target} ended without a 2xx`)
    expect(received).toEqual([signedEvent])

    const again = await cli(['replay', file, '--to', target])
    expect(again.stdout).toMatch(/^#2 document_signed {2}200 duplicate/m)
    expect(received).toHaveLength(1)
  })

  it('--resign: a new timestamp, signed with --secret, runs the handler again (the forged copy too)', async () => {
    received.length = 0
    const res = await cli(['replay', file, '--to', target, '--resign', '--secret', SECRET])
    expect(res.stdout).toMatch(/^#2 document_signed {2}200 ok/m)
    expect(res.stdout).toMatch(/^#3 document_signed \(forged\) {2}200 (ok|duplicate)/m)
    expect(res.code).toBe(0)
    expect(received[0]).toMatchObject({ event: 'document_signed', document_token: 'tok_replay' })
    expect(received[0]?.timestamp).not.toBe(signedEvent.timestamp)
  })

  it('--dry-run lists and sends nothing', async () => {
    received.length = 0
    const res = await cli(['replay', file, '--dry-run'])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/^#2 document_signed {2}\d+ bytes {2}as-is$/m)
    expect(res.stdout).toMatch(/^#3 document_signed \(forged\) {2}\d+ bytes {2}as-is$/m)
    expect(res.stdout).toMatch(`3 deliveries from ${file}; nothing sent (--dry-run)`)
    expect(received).toEqual([])
  })

  it.each([
    [['replay', '--to', 'http://127.0.0.1:1/'], /replay takes one source/],
    [['replay', 'nope.json', '--to', 'http://127.0.0.1:1/'], /cannot read nope\.json/],
    [
      ['replay', 'FILE', '--bullmq', 'redis://127.0.0.1:1', '--to', 'http://127.0.0.1:1/'],
      /replay takes one source/,
    ],
    [['replay', 'FILE'], /missing --to <url>/],
    [['replay', 'NOTJSON', '--to', 'http://127.0.0.1:1/'], /is not JSON/],
    [['replay', 'ARRAY', '--to', 'http://127.0.0.1:1/'], /not an inkless-webhooks history/],
    [['replay', 'NOBODY', '--to', 'http://127.0.0.1:1/'], /deliveries\[0\]: no request/],
    [['replay', 'FILE', '--resign', '--to', 'http://127.0.0.1:1/'], /no secret to sign with/],
  ])('bad input %j: one line, exit 2, nothing sent', async (args, message) => {
    writeFileSync(join(dir, 'not.json'), '{"format":')
    writeFileSync(join(dir, 'array.json'), '[]')
    writeFileSync(
      join(dir, 'nobody.json'),
      JSON.stringify({
        format: 'inkless-webhooks-history',
        version: 1,
        deliveries: [{ request: {} }],
      }),
    )
    const paths: Record<string, string> = {
      FILE: file,
      NOTJSON: join(dir, 'not.json'),
      ARRAY: join(dir, 'array.json'),
      NOBODY: join(dir, 'nobody.json'),
    }
    received.length = 0
    const res = await cli(args.map((a) => paths[a] ?? a))
    expect(res.code).toBe(2)
    expect(res.stderr.split('\n')[0]).toMatch(message)
    expect(received).toEqual([])
  })
})
