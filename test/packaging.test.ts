import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from './support/ports.js'
import { PostgresServer } from './support/postgres.js'
import { RedisServer } from './support/redis.js'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..')
const repository = 'https://github.com/inkless-webhooks/inkless-webhooks'
// Every folder under packages/ is published: a new one is packed, checked and its README
// example run without being listed here.
const packages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
)

interface Packed {
  readonly dir: string
  readonly name: string
  readonly tarball: string
  readonly files: readonly string[]
  readonly manifest: Record<string, unknown>
  readonly readme: string
  readonly license: string
}

/** `npm install` of `specs` into `cwd`, an empty app. */
async function npmInstall(cwd: string, specs: string[]) {
  await writeFile(join(cwd, 'package.json'), '{ "name": "packed-app", "private": true }')
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], { cwd })
}

const fences = (markdown: string) =>
  [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, code]) => ({
    lang,
    code: code as string,
  }))

// A ```ts example is compiled as a Nest app compiles (tsc's legacy decorators with metadata).
const compile = (code: string) =>
  ts.transpileModule(code, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  }).outputText

/**
 * Each ```js or ```ts block of a README (`code` as JavaScript, `source` as printed), with the
 * ```text block right after it: what it prints.
 */
function examples(
  readme: string,
): { lang: string; source: string; code: string; prints: string }[] {
  const blocks = fences(readme)
  return blocks.flatMap((block, i) =>
    block.lang === 'js' || block.lang === 'ts'
      ? [
          {
            lang: block.lang,
            source: block.code,
            code: block.lang === 'ts' ? compile(block.code) : block.code,
            prints: blocks[i + 1]?.lang === 'text' ? (blocks[i + 1]?.code ?? '') : '',
          },
        ]
      : [],
  )
}

/** What the README's `npm install` lines name (flags left out). */
const installed = (readme: string) =>
  fences(readme)
    .filter((block) => block.lang === 'sh')
    .flatMap((block) => block.code.split('\n'))
    .filter((line) => line.startsWith('npm install '))
    .flatMap((line) => line.split(/\s+/).slice(2))
    .filter((word) => !word.startsWith('-'))

// `pnpm pack` every package, install the tarballs with npm into an empty directory, and run
// each README's example there: what a user gets from the registry, not from the workspace.
describe('packed packages installed with npm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inkless-packed-'))
  const packed: Packed[] = []
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  beforeAll(async () => {
    for (const pkg of packages) {
      const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', dir], {
        cwd: join(root, 'packages', pkg),
      })
      const tarball = (JSON.parse(stdout) as { filename: string }).filename
      const read = (file: string) =>
        execFileSync('tar', ['xzfO', tarball, `package/${file}`], { encoding: 'utf8' })
      const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n')
      const manifest = JSON.parse(read('package.json')) as Record<string, unknown>
      const has = (file: string) => files.includes(`package/${file}`)
      packed.push({
        dir: pkg,
        name: manifest.name as string,
        tarball,
        files,
        manifest,
        readme: has('README.md') ? read('README.md') : '',
        license: has('LICENSE') ? read('LICENSE') : '',
      })
    }
  }, 60_000)

  it('every tarball holds LICENSE, README.md and the publishing metadata', () => {
    expect(packages.length).toBeGreaterThanOrEqual(8)
    const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8')
    for (const { dir, name, files, manifest, readme, license } of packed) {
      for (const file of ['LICENSE', 'README.md', 'package.json']) {
        expect.soft(files, name).toContain(`package/${file}`)
      }
      // One source of truth: each package's committed LICENSE is a copy of the root one.
      expect.soft(license, name).toBe(rootLicense)
      expect.soft(manifest, name).toMatchObject({
        name: `@inkless-webhooks/${dir}`,
        license: 'MIT',
        repository: {
          type: 'git',
          url: `git+${repository}.git`,
          directory: `packages/${dir}`,
        },
        homepage: `${repository}#readme`,
        bugs: { url: `${repository}/issues` },
        engines: { node: expect.any(String) },
        publishConfig: { access: 'public', provenance: true },
        keywords: expect.arrayContaining(['inkless', 'webhooks']),
      })
      expect.soft(readme, name).toMatch(new RegExp(`^# ${name}\n`))
      expect.soft(installed(readme), name).toContain(name)
      expect.soft(readme, name).toContain(`(${repository}#readme)`)
      expect.soft(examples(readme).length, name).toBeGreaterThan(0)
    }
  })

  it('installs with npm and runs every README example as printed', {
    timeout: 180_000,
  }, async () => {
    const names = new Set(packed.map((p) => p.name))
    // The README install lines, with each of our packages taken from its tarball; and what a
    // TypeScript user adds (the test below): the compiler npm serves, and the types of Node
    // and of the frameworks that ship none.
    const registry = packed.flatMap((p) => installed(p.readme)).filter((spec) => !names.has(spec))
    const typescript = [
      'typescript@7',
      '@types/node@20',
      '@types/express@5',
      '@types/koa',
      '@types/pg',
    ]
    await npmInstall(dir, [...packed.map((p) => p.tarball), ...new Set(registry), ...typescript])

    const [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start()])
    try {
      const { DATABASE_URL: _, ...outer } = process.env
      const env = { ...outer, INKLESS_WEBHOOK_SECRET: 'whsec_readme', REDIS_URL: redis.url }
      // An example that reads DATABASE_URL runs on a database of its own (the examples run
      // side by side); one with an embedded default (PGlite) also runs without it.
      const admin = new pg.Client({ connectionString: postgres.url })
      await admin.connect()
      const databaseFor = async (name: string) => {
        await admin.query(`CREATE DATABASE "${name}"`)
        return { DATABASE_URL: postgres.url.replace(/\/postgres$/, `/${name}`) }
      }
      const runsOf = async (code: string, name: string) =>
        !code.includes('process.env.DATABASE_URL')
          ? [{ file: name, database: {} }]
          : [
              ...(code.includes('PGlite') ? [{ file: name, database: {} }] : []),
              { file: `${name}-postgres`, database: await databaseFor(name.replaceAll('-', '_')) },
            ]
      const runs = packed.flatMap(({ dir: pkg, readme }) =>
        examples(readme).map(async ({ code, prints }, i) => {
          return Promise.all(
            (await runsOf(code, `${pkg}-readme-${i + 1}`)).map(async ({ file, database }) => {
              await writeFile(join(dir, `${file}.mjs`), code)
              const port = { PORT: String(await freePort()) } // side by side: a port each
              const options = { cwd: dir, env: { ...env, ...database, ...port }, timeout: 60_000 }
              const { stdout } = await run('node', [`${file}.mjs`], options)
              return [file, { stdout: stdout.trim(), prints: prints.trim() }] as const
            }),
          )
        }),
      )
      const results = (await Promise.all(runs).finally(() => admin.end())).flat()
      for (const [file, { stdout, prints }] of results) {
        expect.soft(prints, `${file}: the README shows no output after the example`).not.toBe('')
        expect.soft(stdout, file).toBe(prints)
      }
    } finally {
      await Promise.all([redis.destroy(), postgres.destroy()])
    }

    // The CommonJS entry points of every tarball export what the ESM ones do.
    copyFileSync(join(root, 'test/fixtures/packed-entry-points.mjs'), join(dir, 'entry-points.mjs'))
    const { stdout } = await run('node', ['entry-points.mjs', ...names], { cwd: dir })
    expect(JSON.parse(stdout)).toEqual({ mismatched: [] })
    // And every command a package installs runs, and knows its version.
    for (const { manifest } of packed) {
      for (const bin of Object.keys((manifest.bin ?? {}) as Record<string, string>)) {
        await run(join(dir, 'node_modules/.bin', bin), ['--help'], { cwd: dir })
        const version = await run(join(dir, 'node_modules/.bin', bin), ['--version'], { cwd: dir })
        expect(version.stdout).toBe(`${manifest.version}\n`)
      }
    }
  })

  // A TypeScript user pastes the examples too: each README's, as printed, type-checks strict
  // with module nodenext against the tarballs' declarations, under TypeScript 7 (what npm
  // serves, installed above) and the project's TypeScript 6; ```js blocks with checkJs.
  it('every README example type-checks under TypeScript 7 and 6 (strict, nodenext)', {
    timeout: 60_000,
  }, async () => {
    if (!existsSync(join(dir, 'node_modules/typescript'))) {
      throw new Error('no TypeScript in the app: the install above failed or did not run')
    }
    const app = join(dir, 'typecheck')
    await mkdir(app, { recursive: true })
    const files = packed.flatMap(({ dir: pkg, readme }) =>
      examples(readme).map(({ lang, source }, i) => {
        const file = `${pkg}-${i + 1}.${lang === 'ts' ? 'mts' : 'mjs'}`
        return { file, source }
      }),
    )
    await Promise.all(files.map(({ file, source }) => writeFile(join(app, file), source)))
    const compilerOptions = {
      strict: true,
      module: 'nodenext',
      target: 'es2022',
      noEmit: true,
      allowJs: true,
      checkJs: true,
      types: ['node'],
      // Nest's decorators, as a Nest app compiles them.
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    }
    const tsconfig = { compilerOptions, files: files.map(({ file }) => file) }
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify(tsconfig))
    // TypeScript 7 also checks our declaration files; tsd already does under TypeScript 6.
    const compilers = [
      { label: 'TypeScript 7', tsc: join(dir, 'node_modules/typescript/bin/tsc'), flags: [] },
      {
        label: 'TypeScript 6',
        tsc: join(root, 'node_modules/typescript/bin/tsc'),
        flags: ['--skipLibCheck'],
      },
    ]
    const checks = compilers.map(async ({ label, tsc, flags }) => {
      const { stdout } = await run('node', [tsc, '-v'])
      expect(stdout, label).toMatch(new RegExp(`^Version ${label.split(' ')[1]}\\.`))
      // --pretty false: plain `path(line,col): error` lines whatever the environment (CI's
      // FORCE_COLOR made tsc colour them, and the filter below read none as another package's).
      const checked = await run('node', [tsc, '-p', app, '--pretty', 'false', ...flags], {
        cwd: app,
      }).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      )
      // Errors in other packages' declarations (PGlite's, @types/koa's) are theirs to fix.
      const theirs = /^(\.\.\/)*node_modules\/(?!@inkless-webhooks\/)/
      const ours = checked.split(/\n(?=\S)/).filter((error) => error && !theirs.test(error))
      expect.soft(ours, label).toEqual([])
    })
    await Promise.all(checks)
  })

  // Alone in an empty app, exactly as its README says: nothing else installed beside it (the
  // install above holds every package's dependencies, ioredis among them).
  it('@inkless-webhooks/bullmq: its README install lines alone, its example end to end against redis-server', {
    timeout: 120_000,
  }, async () => {
    const bullmq = packed.find((p) => p.dir === 'bullmq')
    if (!bullmq) throw new Error('packages/bullmq was not packed')
    // ioredis is a required peer: npm installs it even when a command leaves it out.
    expect(bullmq.manifest.peerDependencies).toHaveProperty('ioredis')
    expect(bullmq.manifest).not.toHaveProperty('peerDependenciesMeta.ioredis.optional', true)
    const app = mkdtempSync(join(tmpdir(), 'inkless-bullmq-app-'))
    const redis = await RedisServer.start()
    try {
      const tarballs = new Map(packed.map((p) => [p.name, p.tarball]))
      const lines = fences(bullmq.readme)
        .filter((block) => block.lang === 'sh')
        .flatMap((block) => block.code.split('\n'))
        .filter((line) => line.startsWith('npm install '))
      expect(lines.length).toBeGreaterThan(0)
      // Our packages come from their tarballs: those the lines name in their place, the others
      // (core, a dependency of each) through overrides, which npm refuses for direct ones.
      const named = new Set(installed(bullmq.readme))
      const overrides = Object.fromEntries(
        [...tarballs].filter(([n]) => !named.has(n)).map(([n, t]) => [n, `file:${t}`]),
      )
      await writeFile(
        join(app, 'package.json'),
        JSON.stringify({ name: 'bullmq-app', private: true, overrides }),
      )
      for (const line of lines) {
        const words = line
          .split(/\s+/)
          .slice(2)
          .map((word) => tarballs.get(word) ?? word)
        await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...words], {
          cwd: app,
        })
      }
      const [example] = examples(bullmq.readme)
      if (!example) throw new Error('the bullmq README has no example')
      await writeFile(join(app, 'example.mjs'), example.code)
      const env = {
        ...process.env,
        INKLESS_WEBHOOK_SECRET: 'whsec_readme',
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
      }
      const { stdout } = await run('node', ['example.mjs'], { cwd: app, env, timeout: 20_000 })
      expect(stdout.trim()).toBe(example.prints.trim())

      // Without ioredis (another package manager, --legacy-peer-deps): one clear error at
      // start, not BullMQ's worker failing in a loop that starves the process.
      rmSync(join(app, 'node_modules/ioredis'), { recursive: true, force: true })
      const failed = await run('node', ['example.mjs'], { cwd: app, env, timeout: 20_000 }).then(
        () => undefined,
        (error: { code?: number; killed?: boolean; stderr?: string }) => error,
      )
      expect(failed?.killed).toBe(false)
      expect(failed?.stderr).toMatch(/inkless-webhooks: .*ioredis.*npm install ioredis/)
      expect(failed?.stderr?.split('\n').length).toBeLessThan(40)
    } finally {
      await redis.destroy()
      rmSync(app, { recursive: true, force: true })
    }
  })

  // The queue packages are optional peers of the testing kit: without them, one line naming
  // what to install.
  it('@inkless-webhooks/testing alone: replay --bullmq and --pg-boss say what to install', {
    timeout: 60_000,
  }, async () => {
    const app = mkdtempSync(join(tmpdir(), 'inkless-testing-alone-'))
    try {
      const kit = packed.filter((p) => ['core', 'testing'].includes(p.dir))
      await npmInstall(
        app,
        kit.map((p) => p.tarball),
      )
      for (const [flag, url] of [
        ['bullmq', 'redis://127.0.0.1:1'],
        ['pg-boss', 'postgres://127.0.0.1:1/x'],
      ] as const) {
        const cli = join(app, 'node_modules/.bin/inkless-webhooks')
        const failed = await run(cli, ['replay', `--${flag}`, url, '--dry-run'], { cwd: app }).then(
          () => undefined,
          (error: { code?: number; stderr?: string }) => error,
        )
        const name = `@inkless-webhooks/${flag}`
        expect(failed?.code).toBe(2)
        // The line, then the command's usage.
        expect(failed?.stderr?.split('\n')[0]).toBe(
          `inkless-webhooks: --${flag} needs ${name}: npm install ${name}`,
        )
      }
    } finally {
      rmSync(app, { recursive: true, force: true })
    }
  })

  // npm serves Nest 12 (the install above); Nest 11 still installs and is still in use: the
  // README example, then Express and Fastify with and without rawBody (test/fixtures).
  it('runs @inkless-webhooks/nestjs on Nest 11 too', { timeout: 120_000 }, async () => {
    const nest = packed.find((p) => p.dir === 'nestjs')
    if (!nest) throw new Error('packages/nestjs was not packed')
    const app = mkdtempSync(join(tmpdir(), 'inkless-nest11-'))
    try {
      const ours = packed.filter((p) => ['core', 'node', 'nestjs', 'testing'].includes(p.dir))
      const nest11 = ['common', 'core', 'platform-express', 'platform-fastify'].map(
        (n) => `@nestjs/${n}@11`,
      )
      await npmInstall(app, [...ours.map((p) => p.tarball), ...nest11, 'reflect-metadata', 'rxjs'])
      const version = JSON.parse(
        readFileSync(join(app, 'node_modules/@nestjs/core/package.json'), 'utf8'),
      ).version as string
      expect(version).toMatch(/^11\./)
      const [example] = examples(nest.readme)
      if (!example) throw new Error('the nestjs README has no example')
      await writeFile(join(app, 'example.mjs'), example.code)
      const env = { ...process.env, INKLESS_WEBHOOK_SECRET: 'whsec_readme' }
      const { stdout } = await run('node', ['example.mjs'], { cwd: app, env, timeout: 20_000 })
      expect(stdout.trim()).toBe(example.prints.trim())

      const check = compile(readFileSync(join(root, 'test/fixtures/nest-app-check.ts'), 'utf8'))
      await writeFile(join(app, 'check.mjs'), check)
      const checked = await run('node', ['check.mjs'], { cwd: app, timeout: 30_000 })
      const expected = { handshake: true, signed: 200, duplicate: 200, forged: 401 }
      const each = { ...expected, throwing: 500, retry: 200, ran: 2 }
      expect(JSON.parse(checked.stdout)).toEqual({
        'express rawBody false': each,
        'express rawBody true': each,
        'fastify rawBody false': each,
        'fastify rawBody true': each,
      })
    } finally {
      rmSync(app, { recursive: true, force: true })
    }
  })
})
