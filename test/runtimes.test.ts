// The fetch adapter, from the packages' built dist, on the runtimes users deploy to: Bun
// (Bun.serve), Deno (Deno.serve, node_modules only, no network) and workerd (miniflare, the
// script bundled with the export conditions wrangler uses). Then examples/hono, mounted
// as the README shows it, on Node, Bun, Deno and workerd, and examples/nextjs built and
// started with `next`. Every server listens on 127.0.0.1.
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { Miniflare, type MiniflareOptions } from 'miniflare'
import { afterEach, describe, expect, it } from 'vitest'
import { eventBody, handshakeBody, SECRET, signed } from './support/deliveries.js'
import { send, upload } from './support/http.js'
import { freePort } from './support/ports.js'

const root = join(import.meta.dirname, '..')
const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name)
const honoExample = join(root, 'examples/hono')
const BUN = join(root, 'node_modules/bun-runtime/bin/bun.exe')
const DENO = join(root, 'node_modules/deno/deno')
const MAX_BODY_BYTES = 100 * 1024 // the default

interface Running {
  /** Where the server listens (its printed URL). */
  readonly url: string
  /** What it logged: stdout and stderr lines, or workerd's console messages. */
  readonly output: string[]
  stop(): Promise<void>
}

let running: Running | undefined
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  await running?.stop()
  running = undefined
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A server process; resolves once it prints its URL (`listening on <url>`, or `ready`). */
async function startProcess(
  command: string,
  args: string[],
  {
    cwd = root,
    env = {},
    ready = /^listening on (\S+)/,
  }: { cwd?: string; env?: Record<string, string>; ready?: RegExp } = {},
): Promise<Running> {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited.finally(() => clearTimeout(timer))
  }
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within 15 s: ${output}`)),
      15_000,
    )
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output.join('\n')}`)))
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const listening = ready.exec(line)
        if (!listening) return void output.push(line)
        clearTimeout(timer)
        resolve(listening[1] as string)
      })
    }
  }).catch(async (error) => {
    await stop()
    throw error
  })
  return { url, output, stop }
}

/**
 * Deno resolving packages from node_modules only: no remote imports, an empty DENO_DIR, and
 * the npm registry and any proxy pointed at a closed local port, so a download would fail.
 */
async function startDeno(args: string[], options: { cwd?: string; allowEnv?: string } = {}) {
  const denoDir = await mkdtemp(join(tmpdir(), 'inkless-deno-'))
  cleanups.push(() => rm(denoDir, { recursive: true, force: true }))
  const nowhere = 'http://127.0.0.1:9/'
  return startProcess(
    DENO,
    [
      'run',
      '--no-remote',
      '--node-modules-dir=manual',
      '--allow-net=127.0.0.1',
      ...(options.allowEnv ? [`--allow-env=${options.allowEnv}`] : []),
      ...args,
    ],
    {
      cwd: options.cwd,
      env: {
        DENO_DIR: denoDir,
        DENO_NO_UPDATE_CHECK: '1',
        NPM_CONFIG_REGISTRY: nowhere,
        HTTP_PROXY: nowhere,
        HTTPS_PROXY: nowhere,
        PORT: '0',
        HOST: '127.0.0.1',
        INKLESS_WEBHOOK_SECRET: SECRET,
      },
    },
  )
}

/**
 * workerd through miniflare, listening on 127.0.0.1. The entry is bundled as wrangler does
 * it (export conditions workerd, then browser), so core's package.json picks its build.
 */
async function startWorkerd(entry: string, options: Partial<MiniflareOptions>): Promise<Running> {
  const { stdout: script } = await promisify(execFile)(
    BUN,
    ['build', entry, '--target=browser', '--conditions=workerd', '--format=esm'],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  )
  const output: string[] = []
  const mf = new Miniflare({
    modules: true,
    script,
    host: '127.0.0.1',
    port: 0,
    compatibilityDate: '2025-09-01',
    handleStructuredLogs: ({ message }: { message: string }) => void output.push(message),
    ...options,
  } as MiniflareOptions)
  const url = (await mf.ready).href
  return { url, output, stop: () => mf.dispose() }
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  send(url, { body, headers: { 'content-type': 'application/json', ...headers } })

async function waitFor(found: () => boolean, ms = 3_000) {
  for (const deadline = Date.now() + ms; !found() && Date.now() < deadline; )
    await new Promise((r) => setTimeout(r, 20))
}

const adapterOn = {
  bun: () => startProcess(BUN, [fixture('runtime-serve.mjs'), SECRET]),
  // No --allow-env: with the secret passed, nothing reads the environment.
  deno: () => startDeno([fixture('runtime-serve.mjs'), SECRET]),
  workerd: () => startWorkerd(fixture('runtime-worker.mjs'), { bindings: { SECRET } }),
}
// Bun runs the node:crypto build (its node:crypto is native); Deno and workerd the Web one.
const buildOn = { bun: 'node:crypto', deno: 'Web Crypto', workerd: 'Web Crypto' }

describe.each(Object.keys(adapterOn) as (keyof typeof adapterOn)[])(
  'the fetch adapter on %s',
  (runtime) => {
    it('answers the handshake, a signed event, a forgery and bodies over the limit', async () => {
      running = await adapterOn[runtime]()
      const base = running.url
      const url = new URL('/webhook', base).href
      const seen = async () => (await fetch(new URL('/seen', base))).json()
      expect(await (await fetch(new URL('/build', base))).text()).toBe(buildOn[runtime])

      const handshake = await post(url, handshakeBody(`vs_${runtime}`))
      expect([handshake.status, handshake.body]).toEqual([200, `vs_${runtime}`])

      const body = eventBody('document_signed', { document_token: `tok_${runtime}` })
      expect((await post(url, body, signed(body))).status).toBe(200)
      expect(await seen()).toEqual([`document_signed tok_${runtime}`])

      const forged = eventBody('envelope_complete', { document_token: `forged_${runtime}` })
      expect((await post(url, forged, signed(forged, 'not-the-secret'))).status).toBe(401)

      // Declared over the limit: refused from the headers. Chunked: refused once past it. (The
      // chunks are paced: Bun closes the socket after answering, so a client still writing
      // would hit EPIPE before reading the answer.)
      const json = { 'content-type': 'application/json' }
      expect(await upload(url, MAX_BODY_BYTES + 1, json, { declareLength: true })).toBe(413)
      const chunks = Array.from({ length: 8 }, () => new Uint8Array(16 * 1024).fill(0x20))
      const chunked = await send(url, { headers: json, chunks, chunkDelayMs: 10 })
      expect([chunked.status, chunked.body]).toEqual([413, 'payload too large'])
      expect(await seen()).toEqual([`document_signed tok_${runtime}`])
    })
  },
)

/** examples/hono's wrangler.toml settings, so workerd runs the example as deployed. */
async function wranglerSettings() {
  const toml = await readFile(join(honoExample, 'wrangler.toml'), 'utf8')
  return {
    compatibilityDate: /^compatibility_date = "(.+)"$/m.exec(toml)?.[1],
    compatibilityFlags: JSON.parse(/^compatibility_flags = (\[.*\])$/m.exec(toml)?.[1] ?? '[]'),
  }
}

const listen = { PORT: '0', HOST: '127.0.0.1', INKLESS_WEBHOOK_SECRET: SECRET }
const exampleOn = {
  node: () => startProcess(process.execPath, ['server.js'], { cwd: honoExample, env: listen }),
  bun: () => startProcess(BUN, ['bun.js'], { cwd: honoExample, env: listen }),
  deno: () =>
    startDeno(['deno.js'], { cwd: honoExample, allowEnv: 'HOST,PORT,INKLESS_WEBHOOK_SECRET' }),
  workerd: async () =>
    startWorkerd(join(honoExample, 'worker.js'), {
      ...(await wranglerSettings()),
      bindings: { INKLESS_WEBHOOK_SECRET: SECRET },
    }),
}

describe.each(Object.keys(exampleOn) as (keyof typeof exampleOn)[])(
  "examples/hono (app.post('/webhook', handler)) on %s",
  (runtime) => {
    it('answers the handshake, logs a signed event, refuses a forgery', async () => {
      running = await exampleOn[runtime]()
      const url = new URL('/webhook', running.url).href
      const { output } = running
      const handshake = await post(url, handshakeBody('vs_hono'))
      expect([handshake.status, handshake.body]).toEqual([200, 'vs_hono'])

      const body = eventBody('document_signed', { document_token: `tok_hono_${runtime}` })
      expect((await post(url, body, signed(body))).status).toBe(200)
      const logged = () => output.filter((line) => line.startsWith('document_signed:'))
      await waitFor(() => logged().length > 0)
      expect(logged()).toEqual([`document_signed: signer 271 signed tok_hono_${runtime}`])

      const forged = eventBody('envelope_complete')
      expect((await post(url, forged, signed(forged, 'not-the-secret'))).status).toBe(401)
      expect(output.filter((line) => line.startsWith('envelope_complete:'))).toEqual([])
    })
  },
)

describe('examples/nextjs', () => {
  const cwd = join(root, 'examples/nextjs')
  const next = join(cwd, 'node_modules/.bin/next')

  // `next build` imports the route to collect page data: the secret, read from the
  // environment at the first request, must not be needed then. About 30 s on 2 cores.
  it('builds without INKLESS_WEBHOOK_SECRET; `next start` with it answers a signed POST', {
    timeout: 180_000,
  }, async () => {
    const { INKLESS_WEBHOOK_SECRET: _, ...env } = process.env
    await promisify(execFile)(next, ['build'], {
      cwd,
      env: { ...env, NEXT_TELEMETRY_DISABLED: '1' },
      timeout: 150_000,
    })
    const port = String(await freePort())
    running = await startProcess(next, ['start', '--port', port, '--hostname', '127.0.0.1'], {
      cwd,
      env: { INKLESS_WEBHOOK_SECRET: SECRET, NEXT_TELEMETRY_DISABLED: '1' },
      ready: /- Local:\s+(\S+)/,
    })
    const url = new URL('/api/inkless', running.url).href
    const body = eventBody('document_signed', { document_token: 'tok_next' })
    expect((await post(url, body, signed(body))).status).toBe(200)
    await waitFor(() => running?.output.includes('signer 271 signed tok_next') === true)
    expect(running.output).toContain('signer 271 signed tok_next')
    const forged = eventBody('envelope_complete')
    expect((await post(url, forged, signed(forged, 'not-the-secret'))).status).toBe(401)
  })
})
