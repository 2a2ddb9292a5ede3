import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const packages = ['core', 'node', 'express', 'fastify', 'koa']

// `pnpm pack` every package, install the tarballs with npm into an empty directory, and run
// DESIGN.md's snippets there: what a user gets from the registry, not from the workspace.
describe('packed packages installed with npm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inkless-packed-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('install and serve every adapter, from ESM and CommonJS', { timeout: 180_000 }, () => {
    for (const name of packages) {
      execFileSync('pnpm', ['pack', '--pack-destination', dir], {
        cwd: join(root, 'packages', name),
        stdio: 'ignore',
      })
    }
    const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'))
    expect(tarballs).toHaveLength(packages.length)
    writeFileSync(join(dir, 'package.json'), '{ "name": "packed-app", "private": true }')
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...tarballs.map((t) => `./${t}`),
        'express@5',
        'fastify@5',
        'koa@3',
      ],
      { cwd: dir, stdio: 'ignore' },
    )
    for (const file of ['packed-app.mjs', 'packed-app.cjs']) {
      copyFileSync(join(root, 'test/fixtures', file), join(dir, file))
    }
    const esm = execFileSync('node', ['packed-app.mjs'], { cwd: dir, encoding: 'utf8' })
    expect(esm.match(/ 200$/gm)).toHaveLength(4)
    expect(esm).toContain(
      'express:document_complete fastify:envelope_complete koa:document_signed node:link_viewed',
    )
    const cjs = execFileSync('node', ['packed-app.cjs'], { cwd: dir, encoding: 'utf8' })
    expect(cjs.trim()).toBe('function true function function function function function')
  })
})
