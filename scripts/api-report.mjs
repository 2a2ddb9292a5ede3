// API Extractor over every public entry point's built declarations (run after the build):
// compares each with its report in etc/ and fails when one differs (`pnpm api:check`), or
// rewrites the reports (`pnpm api:update`). One report per entry: etc/core.api.md,
// etc/core-adapter.api.md, …
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  ExtractorMessageCategory,
} from '@microsoft/api-extractor'

const local = process.argv.includes('--local')
const root = fileURLToPath(new URL('..', import.meta.url))
const configPath = join(root, 'api-extractor.json')
const shared = ExtractorConfig.loadFile(configPath)
// The Web Crypto build of core's API, the same declarations as `.`.
const SAME_API = new Set(['@inkless-webhooks/core/web'])

const entries = readdirSync(join(root, 'packages')).flatMap((dir) => {
  const folder = join(root, 'packages', dir)
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
  return Object.entries(pkg.exports)
    .filter(([subpath, target]) => target.import && !SAME_API.has(join(pkg.name, subpath)))
    .map(([subpath, target]) => ({
      folder,
      name: [dir, ...subpath.split('/').slice(1)].join('-'),
      types: join(folder, target.import.types),
    }))
})

const missing = entries.filter(({ types }) => !existsSync(types))
for (const { types } of missing) console.error(`${relative(root, types)} is missing: build first`)
if (missing.length > 0) process.exit(1)

const configs = entries.map(({ folder, name, types }) =>
  ExtractorConfig.prepare({
    configObject: {
      ...shared,
      projectFolder: folder,
      mainEntryPointFilePath: types,
      compiler: { overrideTsconfig: { ...shared.compiler.overrideTsconfig, files: [types] } },
      apiReport: { ...shared.apiReport, reportFileName: name },
    },
    configObjectFullPath: configPath,
    packageJsonFullPath: join(folder, 'package.json'),
  }),
)
// One TypeScript program for every entry: building it is most of the time each one takes.
const compilerState = CompilerState.create(configs[0], {
  additionalEntryPoints: configs.map((config) => config.mainEntryPointFilePath),
})

let failed = 0
for (const config of configs) {
  const name = config.reportConfigs[0].fileName.replace(/\.api\.md$/, '')
  const problems = []
  const result = Extractor.invoke(config, {
    localBuild: local,
    compilerState,
    messageCallback(message) {
      message.handled = true
      // Console messages narrate the run (and the report comparison, told below from the result).
      if (message.category === ExtractorMessageCategory.Console) return
      if (
        message.logLevel === ExtractorLogLevel.Error ||
        message.logLevel === ExtractorLogLevel.Warning
      ) {
        problems.push(message.formatMessageWithLocation(root))
      }
    },
  })
  const report = `etc/${name}.api.md`
  if (result.succeeded && problems.length === 0) {
    if (local && result.apiReportChanged) console.log(`${report}: updated`)
    continue
  }
  failed++
  for (const problem of problems) console.error(`${name}: ${problem}`)
  if (result.apiReportChanged && !local) {
    const built = config.reportConfigs[0]
    const diff = spawnSync(
      'git',
      [
        'diff',
        '--no-index',
        '--no-color',
        report,
        relative(root, join(config.reportTempFolder, built.fileName)),
      ],
      { cwd: root, encoding: 'utf8' },
    )
    console.error(
      `${diff.stdout}${report} differs from the build: run \`pnpm api:update\`, review and commit it.`,
    )
  }
}
if (failed > 0) process.exitCode = 1
