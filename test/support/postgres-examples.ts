import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createTestEvent, sendWebhook } from '@inkless-webhooks/testing'
import { SECRET } from './deliveries.js'

const root = join(import.meta.dirname, '../..')
const running: ChildProcess[] = []

/** Kills every example still running. */
export async function stopExamples() {
  await Promise.all(
    running.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    }),
  )
}

/** Starts `node <file>` in examples/postgres; its stdout lines, once it listens. */
export async function startExample(file: string, env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [file], {
    cwd: join(root, 'examples/postgres'),
    env: { ...process.env, INKLESS_WEBHOOK_SECRET: SECRET, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.push(child)
  const lines: string[] = []
  const errors: string[] = []
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) =>
    errors.push(l),
  )
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${file} exited with ${code}: ${errors.join('\n')}`)),
    )
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line)
      if (line.startsWith('listening on ')) resolve(line.slice('listening on '.length))
    })
  })
  return { url, lines, errors }
}

/** One document's lifecycle, sent out of order and with a duplicate; what each send got. */
export async function playOutOfOrder(url: string) {
  const document_token = 'doc-example'
  const at = (second: number) => new Date(Date.UTC(2026, 2, 11, 23, 25, second)).toISOString()
  const link = createTestEvent('link_viewed', { document_token, timestamp: at(1) })
  const signed = createTestEvent('document_signed', { document_token, timestamp: at(2) })
  const complete = createTestEvent('envelope_complete', { document_token, timestamp: at(3) })
  const answers: string[] = []
  for (const event of [signed, complete, link, signed]) {
    const res = await sendWebhook(url, event, { secret: SECRET })
    answers.push(`${res.status} ${res.body}`)
  }
  return answers
}

export const PRINTED = [
  'document_signed: document_signed',
  'envelope_complete: envelope_complete',
  'link_viewed (stale): envelope_complete',
]
