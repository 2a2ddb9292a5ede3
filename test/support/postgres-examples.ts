import { join } from 'node:path'
import { createTestEvent, sendWebhook } from '@inkless-webhooks/testing'
import { SECRET } from './deliveries.js'
import { Example } from './examples.js'

const running: Example[] = []

/** Stops every example still running. */
export async function stopExamples() {
  await Promise.all(running.splice(0).map((example) => example.stop()))
}

/**
 * Starts `node <file>` in examples/postgres, once it listens: its URL and what it prints. PGlite
 * (no DATABASE_URL) takes seconds to start, more beside the rest of the suite.
 */
export async function startExample(file: string, env: Record<string, string | undefined>) {
  const example = await Example.spawn([file], {
    cwd: join(import.meta.dirname, '../../examples/postgres'),
    env: { INKLESS_WEBHOOK_SECRET: SECRET, PORT: '0', ...env },
    ready: /^listening on (\S+)/,
    startTimeoutMs: 50_000,
  })
  running.push(example)
  return example
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
