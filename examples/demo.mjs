// `pnpm demo`: a node:http server with @inkless-webhooks/node on 127.0.0.1, and a few
// deliveries signed the way Inkless signs them: the handshake, typed callbacks, a duplicate,
// a forgery, and a failing handler that succeeds on Inkless's retry.
import { once } from 'node:events'
import { createServer } from 'node:http'
import { signPayload } from '@inkless-webhooks/core'
import { inklessWebhooks } from '@inkless-webhooks/node'

const secret = process.env.INKLESS_WEBHOOK_SECRET ?? 'whsec_demo_only'
let crmUp = false

const server = createServer(
  inklessWebhooks({
    path: '/webhook',
    secret,
    onVerification: (req) => console.log(`    handshake for webhook ${req.webhook_id}`),
    onDocumentSigned: (e) =>
      console.log(`    signer ${e.secure_link_id} signed document ${e.document_token}`),
    onDocumentComplete: (e) => console.log(`    archive ready for ${e.document_token}`),
    onEnvelopeComplete: async (e) => {
      if (!crmUp) {
        crmUp = true
        throw new Error('CRM timed out')
      }
      console.log(`    envelope ${e.document_token} complete: CRM updated`)
    },
    onError: (error) => console.log(`    onError: ${error.message}`),
  }),
)
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const url = `http://127.0.0.1:${server.address().port}/webhook`
console.log(`listening on ${url}\n`)

const event = (name, secureLinkId) => ({
  event: name,
  ...(secureLinkId === undefined ? {} : { secure_link_id: secureLinkId }),
  document_token: 'doc_7f3a9c',
  timestamp: '2026-03-11T23:25:31Z',
})

async function deliver(label, payload, { sign = true } = {}) {
  const body = JSON.stringify(payload)
  const headers = { 'content-type': 'application/json' }
  if (sign)
    Object.assign(headers, {
      'x-inkless-signature': signPayload(body, secret),
      'x-inkless-alg': 'SHA256',
    })
  console.log(`→ ${label}`)
  const res = await fetch(url, { method: 'POST', headers, body })
  console.log(`← ${res.status} ${await res.text()}\n`)
}

await deliver(
  'handshake',
  {
    verification_secret: 'vs_5e1d',
    provider: 'inkless',
    webhook_id: 42,
    timestamp: '2026-03-11T23:25:00Z',
  },
  { sign: false },
)
await deliver('document_signed (signer 271)', event('document_signed', 271))
await deliver('document_signed (signer 272)', event('document_signed', 272))
await deliver('document_signed (signer 271) delivered again', event('document_signed', 271))
await deliver('document_signed, forged (no signature)', event('document_signed', 999), {
  sign: false,
})
await deliver('document_complete', event('document_complete'))
await deliver('envelope_complete (the handler fails)', event('envelope_complete'))
await deliver('envelope_complete (Inkless retries)', event('envelope_complete'))

server.close()
