// Prints the closing line CI reads: `N passed, N failed`, from vitest's JSON report. A
// failure outside vitest (lint, build, tsd, package checks) counts as one more failure.
import { existsSync, readFileSync } from 'node:fs'

const [file, status] = process.argv.slice(2)
let passed = 0
let failed = 0
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed = report.numPassedTests
  failed = report.numFailedTests
}
if (status !== '0' && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
