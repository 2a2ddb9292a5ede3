// The one-screen recipes of docs/other-servers.md (examples/recipes/), each started as the page
// says on a free loopback port: h3 v2 and hapi on Node, Elysia on Bun.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { join } from 'node:path'
import { createTestEvent, sendHandshake, sendWebhook } from '@inkless-webhooks/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from './support/ports.js'

const root = join(import.meta.dirname, '..')
const BUN = join(root, 'node_modules/bun-runtime/bin/bun.exe')
const SECRET = 'whsec_recipes'

const recipes = {
  'h3.js': process.execPath,
  'hapi.js': process.execPath,
  'elysia.ts': BUN,
}

let child: ChildProcess | undefined
let output = ''
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  }
  child = undefined
})

async function start(runtime: string, file: string): Promise<string> {
  const port = await freePort()
  output = ''
  const started = spawn(runtime, [file], {
    cwd: join(root, 'examples/recipes'),
    env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child = started
  for (const stream of [started.stdout, started.stderr]) stream?.on('data', (c) => (output += c))
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    if (started.exitCode !== null) throw new Error(`${file} exited: ${output}`)
    const socket = connect(port, '127.0.0.1')
    const up = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
    })
    socket.destroy()
    if (up) return `http://127.0.0.1:${port}/webhook`
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${file} did not listen on ${port}: ${output}`)
}

async function logged(line: string) {
  for (const deadline = Date.now() + 5_000; !output.includes(line) && Date.now() < deadline; )
    await new Promise((resolve) => setTimeout(resolve, 20))
  return output.includes(line)
}

describe.each(Object.entries(recipes))('examples/recipes/%s', (file, runtime) => {
  it('answers the handshake, handles a signed event once, refuses a forged one', async () => {
    const url = await start(runtime, file)
    expect((await sendHandshake(url)).passed).toBe(true)

    const event = createTestEvent('document_signed', { secure_link_id: 9, document_token: file })
    const first = await sendWebhook(url, event, { secret: SECRET })
    expect(first.status).toBe(200)
    expect(await logged(`signer 9 signed ${file}`)).toBe(true)
    // Inkless's retry of the same delivery: answered, not handled again.
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)

    const forged = createTestEvent('document_signed', { document_token: `${file}-forged` })
    expect((await sendWebhook(url, forged, { secret: 'whsec_wrong' })).status).toBe(401)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(output.split(`signed ${file}`).length - 1).toBe(1)
    expect(output).not.toContain(`${file}-forged`)
  })
})
