// examples/bullmq as its README runs it: receiver.js and worker.js, two processes, a real
// redis-server; the CLI plays Inkless against the receiver.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'
import { SECRET } from './support/deliveries.js'
import { RedisServer } from './support/redis.js'

const root = join(import.meta.dirname, '..')
const execute = promisify(execFile)
let redis: RedisServer
const running: ChildProcess[] = []
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterEach(async () => {
  await Promise.all(
    running.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    }),
  )
})
afterAll(async () => {
  await redis.destroy()
})

/** Starts `node <file>` in examples/bullmq; its stdout lines, once one matches `ready`. */
async function start(file: string, ready: RegExp, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [file], {
    cwd: join(root, 'examples/bullmq'),
    env: {
      ...process.env,
      INKLESS_WEBHOOK_SECRET: SECRET,
      REDIS_URL: redis.url,
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.push(child)
  const lines: string[] = []
  const errors: string[] = []
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) =>
    errors.push(l),
  )
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${file} exited with ${code}: ${errors.join('\n')}`)),
    )
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line)
      if (ready.test(line)) resolve()
    })
  })
  return { lines, errors }
}

it('the CLI simulate against the receiver: every answer 2xx; the worker processes each distinct event once; bull-board lists the jobs', {
  timeout: 60_000,
}, async () => {
  const receiver = await start('receiver.js', /^listening on /)
  const url = (receiver.lines[0] as string).replace('listening on ', '')
  const worker = await start('worker.js', /^worker ready/)
  const cli = join(root, 'packages/testing/dist/cli.mjs')
  const simulate = ['simulate', url, '--envelopes', '3', '--shuffle', '--duplicates', '0.3']
  const { stdout } = await execute(process.execPath, [cli, ...simulate], {
    env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET },
  })
  expect(stdout).toMatch(/^handshake: pass/m)
  const total = stdout.match(/^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m)
  expect(total?.[1]).toBe(total?.[2]) // every delivery answered 2xx…
  expect(total?.[3]).toBe('0') // …at the first attempt

  // 3 envelopes of 2 signers: 10 events per signer, then document_complete and envelope_complete.
  const processed = () => worker.lines.filter((l) => /^[a-z_]+: /.test(l))
  await vi.waitFor(() => expect(processed()).toHaveLength(66), { timeout: 10_000 })
  expect(new Set(processed()).size).toBe(66)
  expect(worker.errors).toEqual([])

  const board = url.replace(/\/webhook$/, '/admin/queues')
  expect((await fetch(board)).status).toBe(200)
  const api = (await (await fetch(`${board}/api/queues`)).json()) as {
    queues: { name: string; counts: { completed: number } }[]
  }
  expect(api.queues).toMatchObject([{ name: 'inkless', counts: { completed: 66 } }])
})

it('FLAKY_CRM: the worker retries a failed envelope_complete on its own, every listener again; Inkless got 200 at once', {
  timeout: 60_000,
}, async () => {
  const receiver = await start('receiver.js', /^listening on /)
  const url = (receiver.lines[0] as string).replace('listening on ', '')
  const worker = await start('worker.js', /^worker ready/, { FLAKY_CRM: '1' })
  const cli = join(root, 'packages/testing/dist/cli.mjs')
  const send = ['send', url, 'envelope_complete', '--document-token', 'tok_flaky']
  const { stdout } = await execute(process.execPath, [cli, ...send], {
    env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET },
  })
  expect(stdout).toMatch(/^200 ok/)
  await vi.waitFor(
    () => expect(worker.lines).toContain('envelope_complete: tok_flaky (attempt 2)'),
    {
      timeout: 10_000,
    },
  )
  // A retry runs every listener of the job again: onEvent had succeeded on attempt 1.
  expect(worker.lines.filter((l) => l.startsWith('envelope_complete: tok_flaky'))).toEqual([
    'envelope_complete: tok_flaky',
    'envelope_complete: tok_flaky (attempt 2)',
  ])
  expect(worker.errors).toEqual([
    'worker error (attempt 1): 1 listener(s) failed for "envelope_complete": onEnvelopeComplete (CRM timed out for tok_flaky)',
  ])
})
