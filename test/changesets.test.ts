// The pending changesets and the release they make, computed as `changeset version` computes
// them (Changesets' own release planner): a front matter a formatter has mangled, or a bump
// that would take 0.x to 1.0.0, fails here rather than at release time.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import getReleasePlan from '@changesets/get-release-plan'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const packageNames = readdirSync(join(root, 'packages')).map(
  (dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')).name,
)

it('every changeset reads, and names only packages under packages/ with a valid bump', async () => {
  const files = readdirSync(join(root, '.changeset')).filter(
    (name) => name.endsWith('.md') && name !== 'README.md',
  )
  const { changesets } = await getReleasePlan(root)
  expect(changesets.map(({ id }) => `${id}.md`).sort()).toEqual(files.sort())
  for (const { id, releases, summary } of changesets) {
    expect(releases.length, `${id}.md names no package`).toBeGreaterThan(0)
    for (const { name, type } of releases) {
      expect(packageNames, `${id}.md`).toContain(name)
      expect(['patch', 'minor', 'major'], `${id}.md: ${name}`).toContain(type)
    }
    expect(summary.trim(), `${id}.md has no text`).not.toBe('')
  }
})

// By default a package with a peer dependency on another workspace package is bumped to major
// whenever that one gets a minor, and the fixed group takes every package along: 0.x would be
// released as 1.0.0. .changeset/config.json bumps peer dependents only when the new version
// leaves their range, and packages/testing's optional peer on bullmq allows any 0.x.
it('the release plan keeps 0.x packages before 1.0.0 unless a changeset asks for major', async () => {
  const { changesets, releases } = await getReleasePlan(root)
  const askedMajor = changesets.some(({ releases }) => releases.some((r) => r.type === 'major'))
  const toOne = releases.filter(
    ({ type, oldVersion, newVersion }) =>
      type !== 'none' && oldVersion.startsWith('0.') && !newVersion.startsWith('0.'),
  )
  expect(askedMajor ? [] : toOne.map(({ name, newVersion }) => `${name}@${newVersion}`)).toEqual([])
})
