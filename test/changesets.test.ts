// The pending changesets as `changeset version` will read them: with the reader the Changesets
// CLI itself uses, so a front matter a formatter has mangled fails here, not at release time.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import readChangesets from '@changesets/read'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

it('every changeset reads, and names only packages under packages/ with a valid bump', async () => {
  const files = readdirSync(join(root, '.changeset')).filter(
    (name) => name.endsWith('.md') && name !== 'README.md',
  )
  const changesets = await readChangesets(root)
  expect(changesets.map(({ id }) => `${id}.md`).sort()).toEqual(files.sort())
  const names = readdirSync(join(root, 'packages')).map(
    (dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')).name,
  )
  for (const { id, releases, summary } of changesets) {
    expect(releases.length, `${id}.md names no package`).toBeGreaterThan(0)
    for (const { name, type } of releases) {
      expect(names, `${id}.md`).toContain(name)
      expect(['patch', 'minor', 'major'], `${id}.md: ${name}`).toContain(type)
    }
    expect(summary.trim(), `${id}.md has no text`).not.toBe('')
  }
})
