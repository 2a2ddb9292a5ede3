import { execFile, execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

/** The built `inkless-webhooks` CLI. */
export const CLI = join(import.meta.dirname, '../../packages/testing/dist/cli.mjs')
const run = promisify(execFile)

/** Runs the CLI; resolves with its exit code and output whatever the code. */
export async function cli(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
) {
  const env = { ...process.env, INKLESS_WEBHOOK_SECRET: '', ...options.env }
  if (options.input !== undefined) {
    try {
      const stdout = execFileSync(process.execPath, [CLI, ...args], {
        input: options.input,
        env,
        encoding: 'utf8',
      })
      return { code: 0, stdout, stderr: '' }
    } catch (error) {
      const e = error as { status: number; stdout: string; stderr: string }
      return { code: e.status, stdout: e.stdout, stderr: e.stderr }
    }
  }
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
