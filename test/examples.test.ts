import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createTestEvent, sendWebhook } from '@inkless-webhooks/testing'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { eventBody, handshakeBody, SECRET, signed } from './support/deliveries.js'
import { Example } from './support/examples.js'
import { freePort } from './support/ports.js'

const root = join(import.meta.dirname, '..')
const CLI = join(root, 'packages/testing/dist/cli.mjs')
const execute = promisify(execFile)

async function cli(...args: string[]) {
  try {
    const { stdout } = await execute(process.execPath, [CLI, ...args], {
      env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET },
    })
    return { code: 0, stdout }
  } catch (error) {
    const e = error as { code: number; stdout: string }
    return { code: e.code, stdout: e.stdout }
  }
}

// examples/nestjs is TypeScript with decorators: built with its own `tsc -p .` first.
beforeAll(async () => {
  await execute(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
    cwd: join(root, 'examples/nestjs'),
  })
}, 60_000)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitFor(found: () => boolean, ms = 2_000) {
  for (const deadline = Date.now() + ms; !found() && Date.now() < deadline; ) await sleep(20)
}

const post = (url: string, body: string, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) })

let running: Example | undefined
afterEach(async () => {
  await running?.stop()
  running = undefined
})

describe.each(['express', 'fastify', 'koa', 'node-http', 'nestjs'])(
  'examples/%s over plain HTTP',
  (name) => {
    it('listens on HOST:PORT, echoes the handshake, logs a signed event, refuses an unsigned one', async () => {
      const port = await freePort()
      running = await Example.start(name, { PORT: String(port) })
      const url = `http://127.0.0.1:${port}/webhook`
      expect(running.url).toBe(url)

      const handshake = await post(url, handshakeBody('vs_smoke'), {
        'content-type': 'application/json',
      })
      expect(handshake.status).toBe(200)
      expect(await handshake.text()).toBe('vs_smoke')

      const token = `tok_smoke_${name}`
      const body = eventBody('document_signed', { secure_link_id: 314, document_token: token })
      const delivered = await post(url, body, signed(body))
      expect(delivered.status).toBe(200)
      const example = running
      const line = () => example.stdout.find((l) => l.startsWith('document_signed:'))
      await waitFor(() => line() !== undefined)
      expect(line()).toContain(token)
      expect(line()).toContain('314')

      const unsigned = await post(
        url,
        eventBody('document_signed', { document_token: `${token}_unsigned` }),
        { 'content-type': 'application/json' },
      )
      expect(unsigned.status).toBe(401)
      await sleep(50)
      expect(example.stdout.filter((l) => l.startsWith('document_signed:'))).toHaveLength(1)
    })
  },
)

describe.each(['express', 'fastify', 'koa', 'node-http', 'hono', 'nestjs'])(
  'examples/%s with the CLI',
  (name) => {
    it('answers the handshake, logs a signed event, refuses an unsigned one', async () => {
      running = await Example.start(name)
      const handshake = await cli('handshake', running.url)
      expect(handshake.stdout).toMatch(/^pass:/)
      expect(handshake.code).toBe(0)

      const send = await cli(
        'send',
        running.url,
        'document_signed',
        '--document-token',
        `tok_${name}`,
        '--secure-link-id',
        '271',
      )
      expect(send.code).toBe(0)
      expect(send.stdout).toMatch(/^200 ok/)
      await sleep(50)
      expect(running.logged('document_signed')).toEqual([
        `document_signed: signer 271 signed tok_${name}`,
      ])

      const unsigned = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(createTestEvent('document_signed')),
      })
      expect(unsigned.status).toBe(401)
      const forged = await sendWebhook(running.url, createTestEvent('envelope_complete'), {
        secret: 'not-the-secret',
      })
      expect(forged.status).toBe(401)
      expect(running.logged('envelope_complete')).toEqual([])
    })

    it('simulate --shuffle --duplicates 0.3: every unique event handled exactly once', async () => {
      running = await Example.start(name)
      const result = await cli(
        'simulate',
        running.url,
        '--envelopes',
        '5',
        '--signers',
        '3',
        '--shuffle',
        '--duplicates',
        '0.3',
        '--concurrency',
        '8',
      )
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^handshake: pass/m)
      const total = result.stdout.match(/^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m)
      expect(Number(total?.[1])).toBeGreaterThan(5 * 32)
      expect(total?.[4]).toBe('0')
      await sleep(50)
      const signed = running.logged('document_signed')
      expect(signed).toHaveLength(15)
      expect(new Set(signed).size).toBe(15)
      expect(new Set(running.logged('document_complete')).size).toBe(5)
      expect(running.logged('document_complete')).toHaveLength(5)
      expect(running.logged('envelope_complete')).toHaveLength(5)
    })
  },
)

/** Starts an example whose handler fails each document's first delivery, and simulates 4. */
async function simulateFlaky(name: string) {
  running = await Example.start(name, { FLAKY_CRM: '1' })
  return cli('simulate', running.url, '--envelopes', '4', '--signers', '1', '--backoff-ms', '50')
}

it('a handler that fails on first delivery (500) succeeds on the retry', async () => {
  const result = await simulateFlaky('express')
  expect(result.code).toBe(0)
  const row = result.stdout.match(/^envelope_complete\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m)
  expect(row?.slice(1)).toEqual(['4', '4', '4', '0'])
  await sleep(50)
  const example = running as Example
  expect(example.lines.filter((l) => l.startsWith('webhook error'))).toHaveLength(4)
  expect(example.logged('envelope_complete')).toHaveLength(4)
})

it("nestjs: a handler that fails on first delivery (500, logged by Nest's logger) succeeds on the retry", async () => {
  const result = await simulateFlaky('nestjs')
  expect(result.code).toBe(0)
  await sleep(50)
  const example = running as Example
  const errors = example.lines.filter((l) => /ERROR.*\[InklessWebhooks\].*CRM unavailable/.test(l))
  expect(errors).toHaveLength(4)
  expect(example.logged('document_signed')).toHaveLength(4)
  expect(new Set(example.logged('document_signed')).size).toBe(4)
})

it('examples/nestjs: its own test (Test.createTestingModule + supertest) passes under node --test', async () => {
  const { stdout } = await execute(process.execPath, ['--test', 'dist/webhooks.spec.js'], {
    cwd: join(root, 'examples/nestjs'),
  })
  expect(stdout).toMatch(/^# pass 2$/m)
  expect(stdout).toMatch(/^# fail 0$/m)
})

it('simulate exits 1 when deliveries end without a 2xx', async () => {
  running = await Example.start('koa')
  const result = await cli(
    'simulate',
    running.url,
    '--secret',
    'wrong-secret',
    '--retries',
    '1',
    '--backoff-ms',
    '10',
    '--signers',
    '1',
  )
  expect(result.code).toBe(1)
  expect(result.stdout).toMatch(/^401 invalid signature: is --secret the webhook secret/m)
})
