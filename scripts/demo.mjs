// `pnpm demo`: starts examples/express, then plays Inkless against it with the CLI's
// `simulate` — handshake, three envelopes delivered out of order with duplicates, and a
// CRM call that fails once per envelope so Inkless's retry shows.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const secret = process.env.INKLESS_WEBHOOK_SECRET || 'whsec_demo_only'
const env = { ...process.env, INKLESS_WEBHOOK_SECRET: secret, PORT: '0', FLAKY_CRM: '1' }
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s)

const server = spawn(process.execPath, ['server.js'], {
  cwd: join(root, 'examples/express'),
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
})
const logged = []
const url = await new Promise((resolve, reject) => {
  server.once('exit', (code) => reject(new Error(`examples/express exited with ${code}`)))
  for (const stream of [server.stdout, server.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const listening = line.match(/^listening on (\S+)/)
      if (listening) return resolve(listening[1])
      logged.push(line)
      console.log(dim(`  server │ ${line}`))
    })
  }
})
console.log(`examples/express is listening on ${url}\n`)
const args = [
  'simulate',
  url,
  '--envelopes',
  '3',
  '--signers',
  '2',
  '--shuffle',
  '--duplicates',
  '0.3',
  '--backoff-ms',
  '100',
  '--concurrency',
  '4',
]
console.log(`$ inkless-webhooks ${args.join(' ')}\n`)
const cli = spawn(process.execPath, [join(root, 'packages/testing/dist/cli.mjs'), ...args], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
})
let table = ''
cli.stdout.on('data', (chunk) => {
  table += chunk
  process.stdout.write(chunk)
})
const [code] = await once(cli, 'exit')
server.kill()

// What just happened, from the CLI's table and the server's own log.
const sent = (event) => Number(table.match(new RegExp(`^${event}\\s+(\\d+)`, 'm'))?.[1] ?? 0)
const retried = (event) =>
  Number(table.match(new RegExp(`^${event}\\s+\\d+\\s+\\d+\\s+(\\d+)`, 'm'))?.[1] ?? 0)
const handled = (event) => logged.filter((l) => l.startsWith(`${event}:`)).length
const signed = handled('document_signed')
// The plan: per envelope, 10 events per signer then document_complete and envelope_complete.
const option = (name) => Number(args[args.indexOf(name) + 1])
const signatures = option('--envelopes') * option('--signers')
const copies = sent('total') - (signatures * 10 + option('--envelopes') * 2)
console.log(`
What happened:
  handshake      ${table.includes('handshake: pass') ? 'answered with the exact verification_secret' : 'FAILED'}
  typed handlers onDocumentSigned ran ${signed}×, onDocumentComplete ${handled('document_complete')}×, onEnvelopeComplete ${handled('envelope_complete')}×
  duplicates     ${copies} of ${sent('total')} deliveries were second copies of one already sent; document_signed arrived ${sent('document_signed')}× for ${signatures} signatures (${sent('document_signed') - signatures} extra), onDocumentSigned ran ${signed}×: each copy was answered 200 duplicate
  retries        onEnvelopeComplete failed ${logged.filter((l) => l.startsWith('webhook error')).length}× (the flaky CRM): answered 500, and Inkless's ${retried('envelope_complete')} retr${retried('envelope_complete') === 1 ? 'y' : 'ies'} succeeded
`)
process.exitCode = code
