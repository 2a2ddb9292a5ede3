// Every code block in README.md is a file between snippet markers (scripts/readme-snippets.mjs),
// and so is every snippet block of the docs/ pages; each such file runs here as the page tells
// a reader to run it (servers on a free loopback port, the snippets read PORT; shell blocks
// with the URL's port substituted), except those under examples/nestjs, examples/recipes and
// examples/multi-account, which test/examples.test.ts, test/recipes.test.ts and
// test/tenants.test.ts run.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { signPayload } from '@inkless-webhooks/core'
import { buildSignedRequest, createTestEvent, sendWebhook } from '@inkless-webhooks/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseReadme, snippetPages } from '../scripts/readme-snippets.mjs'
import { freePort } from './support/ports.js'
import { RedisServer } from './support/redis.js'

const root = join(import.meta.dirname, '..')
const README = readFileSync(join(root, 'README.md'), 'utf8')
const source = (path: string) => readFileSync(join(root, path), 'utf8')
const SECRET = 'whsec_readme_test'

/** The snippet files the tests below run; compared with the pages' lists. */
const covered = new Set<string>()
const covers = (...paths: string[]) => {
  for (const path of paths) covered.add(path)
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** A command started in its own process group, its output collected. */
class Command {
  stdout = ''
  stderr = ''
  readonly done: Promise<Run>
  private readonly child: ChildProcess

  constructor(command: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a group of its own: bash and the node it starts stop together
    })
    this.child.stdout?.on('data', (chunk) => {
      this.stdout += chunk
    })
    this.child.stderr?.on('data', (chunk) => {
      this.stderr += chunk
    })
    // 'close': the process has exited and its output has been read to the end.
    this.done = once(this.child, 'close').then(([code]) => ({
      code: code as number | null,
      stdout: this.stdout,
      stderr: this.stderr,
    }))
  }

  /** Resolves once `port` accepts connections; rejects if the command exits first. */
  async listening(port: number): Promise<void> {
    const exited = this.done.then(({ code, stdout, stderr }) => {
      throw new Error(`exited with ${code} before listening on ${port}:\n${stdout}${stderr}`)
    })
    const deadline = Date.now() + 15_000
    const poll = async () => {
      while (Date.now() < deadline) {
        const socket = connect(port, '127.0.0.1')
        const up = await new Promise<boolean>((resolve) => {
          socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
        })
        socket.destroy()
        if (up) return
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(`nothing listening on ${port} after 15 s:\n${this.stdout}${this.stderr}`)
    }
    await Promise.race([poll(), exited])
  }

  async stop(): Promise<Run> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(-(this.child.pid as number), 'SIGTERM')
      const timer = setTimeout(() => process.kill(-(this.child.pid as number), 'SIGKILL'), 5_000)
      await this.done.finally(() => clearTimeout(timer))
    }
    return this.done
  }
}

const running: Command[] = []
function start(command: string, args: string[], env: Record<string, string> = {}): Command {
  const started = new Command(command, args, env)
  running.push(started)
  return started
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((command) => command.stop()))
})

/** Runs a README shell block with `bash -e`, its URLs pointed at `port`. */
async function shell(path: string, port: number, env: Record<string, string> = {}) {
  const script = source(path)
  expect(script, `${path} talks to http://127.0.0.1:3000`).toContain('http://127.0.0.1:3000/')
  const run = await start('bash', ['-e', '-c', script.replaceAll(':3000/', `:${port}/`)], env).done
  expect(run.code, `${path} failed:\n${run.stdout}${run.stderr}`).toBe(0)
  return run.stdout
}

/** A README server file started as `node <file>` on a free port. */
async function serve(path: string, env: Record<string, string> = {}) {
  const port = await freePort()
  const server = start(process.execPath, [path], {
    INKLESS_WEBHOOK_SECRET: SECRET,
    ...env,
    PORT: String(port),
  })
  await server.listening(port)
  return { server, url: `http://127.0.0.1:${port}/webhook` }
}

async function waitFor(found: () => boolean) {
  for (const deadline = Date.now() + 5_000; !found() && Date.now() < deadline; )
    await new Promise((resolve) => setTimeout(resolve, 20))
}

// tsc is the slowest check: it starts now and is awaited by its test at the end.
let typecheck: Promise<Run>
beforeAll(() => {
  typecheck = new Command(process.execPath, [
    'node_modules/typescript/bin/tsc',
    '-p',
    'examples/readme',
  ]).done
})

describe('README.md', () => {
  const { snippets, text, unmarked } = parseReadme(README)

  it('shows each snippet file as it is (run node scripts/readme-snippets.mjs to update)', () => {
    const ours = text.split('\n')
    const line = README.split('\n').findIndex((l, i) => l !== ours[i])
    expect(
      line === -1 ? undefined : `README.md:${line + 1}: ${README.split('\n')[line]}`,
      'README.md differs from its snippet files: edit the file, then run `node scripts/readme-snippets.mjs`',
    ).toBeUndefined()
  })

  it('has no code block outside a snippet marker', () => {
    expect(
      unmarked.map(({ line, text }) => `README.md:${line}: ${text}`),
      'move each block into a file, include it with <!-- snippet: path --> … <!-- /snippet -->, and run it in test/readme.test.ts',
    ).toEqual([])
  })

  it('lists every package in its table', () => {
    const names = readdirSync(join(root, 'packages')).map(
      (dir) => JSON.parse(source(`packages/${dir}/package.json`)).name as string,
    )
    const rows = README.split('\n').filter((line) => line.startsWith('| `@inkless-webhooks/'))
    expect(rows.map((row) => row.split('`')[1]).sort()).toEqual(names.sort())
  })

  it('has every snippet of README.md and docs/ run by a test in this file', () => {
    const docs = snippetPages()
      .filter((page: string) => page !== 'README.md')
      .flatMap((page: string) => parseReadme(source(page)).snippets as string[])
      .filter((path: string) => !/^examples\/(nestjs|recipes|multi-account)\//.test(path))
    expect([...covered].sort()).toEqual([...new Set([...snippets, ...docs])].sort())
  })
})

// A docs/ page with snippet markers: its blocks are copies of files under examples/, which
// their own tests run (examples/nestjs: test/examples.test.ts).
describe.each(snippetPages().filter((page: string) => page !== 'README.md'))('%s', (page) => {
  it('matches its snippet files, all under examples/', () => {
    const text = source(page)
    const parsed = parseReadme(text)
    expect(
      parsed.text === text,
      `${page} differs from its snippet files: edit the file, then run \`node scripts/readme-snippets.mjs\``,
    ).toBe(true)
    expect(parsed.snippets.length).toBeGreaterThan(0)
    for (const path of parsed.snippets) expect(path).toMatch(/^examples\//)
  })
})

describe('README snippets', () => {
  covers('examples/readme/commands.sh')
  it('the first commands: the pinned pnpm, root scripts; pnpm demo runs to the end', async () => {
    const { packageManager, scripts } = JSON.parse(source('package.json'))
    const lines = source('examples/readme/commands.sh').trim().split('\n')
    const commands = lines.map((line) =>
      line.match(/^npm install -g (pnpm@\S+) && pnpm install && pnpm (\S+) {2,}# \S/),
    )
    expect(commands.map((match) => match?.[1])).toEqual(lines.map(() => packageManager))
    for (const match of commands) expect(scripts).toHaveProperty(match?.[2] as string)
    // `pnpm install` and `pnpm test` cannot run inside the tests; `pnpm demo` can, without its
    // build step: a test must not rewrite the dist other tests are reading.
    expect(commands.map((match) => match?.[2])).toContain('demo')
    const steps = (scripts.demo as string).split(' && ')
    expect(steps[0]).toBe('node scripts/build.mjs')
    const demo = await start('bash', ['-e', '-c', steps.slice(1).join(' && ')]).done
    expect(demo.code, demo.stdout + demo.stderr).toBe(0)
    expect(demo.stdout).toMatch(/^all \d+ deliveries answered 2xx/m)
    // The duplicates line says what it counts: copies of all events, then document_signed's.
    const [, copies, total, arrived, signatures, signedCopies] =
      demo.stdout.match(
        /^ {2}duplicates +(\d+) of (\d+) deliveries were second copies of one already sent; document_signed arrived (\d+)× for (\d+) signatures \((\d+) extra\), onDocumentSigned ran 6×/m,
      ) ?? []
    expect(Number(total) - Number(copies)).toBe(3 * (2 * 10 + 2))
    expect(Number(signatures)).toBe(6)
    expect(Number(arrived) - Number(signatures)).toBe(Number(signedCopies))
  })

  covers(
    'examples/readme/express.js',
    'examples/readme/express-start.sh',
    'examples/readme/express-send.sh',
    'examples/readme/testing-cli.sh',
  )
  it('the quick start: started, sent to, and the CLI block against it', async () => {
    const port = await freePort()
    const server = start('bash', [join(root, 'examples/readme/express-start.sh')], {
      PORT: String(port),
    })
    await server.listening(port)

    const sent = await shell('examples/readme/express-send.sh', port)
    expect(sent).toMatch(/^200 ok \(/)
    const event = JSON.parse(sent.split('\n')[1] as string)
    const line = `signer ${event.secure_link_id} signed ${event.document_token}`
    await waitFor(() => server.stdout.includes(line))
    expect(server.stdout).toContain(line)

    // The CLI block assumes the quick start's secret is exported in this shell too.
    const secret = source('examples/readme/express-start.sh').match(
      /export INKLESS_WEBHOOK_SECRET=(\S+)/,
    )?.[1] as string
    const cli = await shell('examples/readme/testing-cli.sh', port, {
      INKLESS_WEBHOOK_SECRET: secret,
    })
    expect(cli).toMatch(/^pass: .* answered the handshake/m)
    expect(cli).toMatch(/^200 ok .*\n.*"document_token":"tok_1"/m)
    expect(cli).toMatch(/^handshake: pass$/m)
    expect(cli).toMatch(/^all \d+ deliveries answered 2xx/m)
    expect(cli.trimEnd().split('\n').at(-1)).toBe(signPayload('{"event":"link_viewed"}', secret))
    expect(server.stdout).toContain('signed tok_1')
    expect(server.stdout).toMatch(/^envelope \w+ is complete$/m)
  })

  const servers = {
    'examples/readme/fastify.js': 'signer 314 signed tok_readme',
    'examples/readme/koa.js': 'signer 314 signed tok_readme',
    'examples/readme/node-http.js': 'document_signed for tok_readme',
    'examples/readme/hono.js': 'signer 314 signed tok_readme',
  }
  covers(...Object.keys(servers))
  it.each(Object.entries(servers))(
    '%s logs a signed event and refuses a forged one',
    async (path, logged) => {
      const { server, url } = await serve(path)
      const event = createTestEvent('document_signed', {
        secure_link_id: 314,
        document_token: 'tok_readme',
      })
      const answer = await sendWebhook(url, event, { secret: SECRET })
      expect(answer.status).toBe(200)
      await waitFor(() => server.stdout.includes(logged))
      expect(server.stdout).toContain(logged)
      const forged = await sendWebhook(url, event, { secret: 'whsec_wrong' })
      expect(forged.status).toBe(401)
    },
  )

  covers('examples/readme/fastify.js')
  it('fastify.js: the plugin serves the instance passed first, with its listeners', async () => {
    const { server, url } = await serve('examples/readme/fastify.js')
    const event = createTestEvent('envelope_complete', { document_token: 'tok_envelope' })
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    await waitFor(() => server.stdout.includes('envelope tok_envelope is complete'))
    expect(server.stdout).toContain('envelope tok_envelope is complete')
  })

  covers('examples/hono/app.test.js')
  it('docs/testing.md: examples/hono/app.test.js passes under node --test', async () => {
    const run = await start(process.execPath, ['--test', 'examples/hono/app.test.js'], {
      INKLESS_WEBHOOK_SECRET: SECRET,
    }).done
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^# pass 3$/m)
    expect(run.stdout).toMatch(/^# fail 0$/m)
  })

  covers('examples/nextjs/app/api/inkless/route.ts')
  it('the Next.js route answers a signed delivery (its types: pnpm typecheck:examples)', async () => {
    vi.stubEnv('INKLESS_WEBHOOK_SECRET', SECRET)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      const { POST } = await import('../examples/nextjs/app/api/inkless/route.js')
      const event = createTestEvent('envelope_complete', { document_token: 'tok_next' })
      const signed = buildSignedRequest(event)
      const res = await POST(new Request('http://localhost/api/inkless', signed))
      expect(res.status).toBe(200)
      expect(log).toHaveBeenCalledWith('envelope tok_next is fully signed')
    } finally {
      log.mockRestore()
      vi.unstubAllEnvs()
    }
  })

  describe('with Redis', () => {
    let redis: RedisServer
    beforeAll(async () => {
      redis = await RedisServer.start('none')
    })
    afterAll(() => redis?.destroy())

    covers('examples/readme/redis.js')
    it('redis.js: two instances share dedupe, the handler runs once', async () => {
      const env = { REDIS_URL: redis.url }
      const [a, b] = await Promise.all([
        serve('examples/readme/redis.js', env),
        serve('examples/readme/redis.js', env),
      ])
      const event = createTestEvent('envelope_complete', { document_token: 'tok_redis' })
      const first = await sendWebhook(a.url, event, { secret: SECRET })
      const again = await sendWebhook(b.url, event, { secret: SECRET })
      expect([first.status, first.body]).toEqual([200, 'ok'])
      expect([again.status, again.body]).toEqual([200, 'duplicate'])
      const [ranA, ranB] = await Promise.all([a.server.stop(), b.server.stop()])
      const runs = (ranA.stdout + ranB.stdout).match(/envelope tok_redis is complete/g)
      expect(runs).toHaveLength(1)
    })
  })

  it('every JavaScript snippet type-checks (tsc with checkJs, examples/readme/tsconfig.json)', async () => {
    const { code, stdout, stderr } = await typecheck
    expect(code, stdout + stderr).toBe(0)
  })
})
