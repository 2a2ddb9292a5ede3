// Inkless webhooks in a plain node:http server.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… pnpm --filter example-node-http start
import { createServer } from 'node:http'
import { inklessWebhooks } from '@inkless-webhooks/node'

const webhook = inklessWebhooks({
  path: '/webhook',
  // The secret comes from INKLESS_WEBHOOK_SECRET.
  onDocumentSigned: (e) =>
    console.log(`document_signed: signer ${e.secure_link_id} signed ${e.document_token}`),
  onDocumentComplete: (e) =>
    console.log(`document_complete: archive ready for ${e.document_token}`),
  onEnvelopeComplete: (e) => console.log(`envelope_complete: ${e.document_token} is fully signed`),
  onError: (error) => console.error(`webhook error: ${error.message}`),
})

// Other paths fall through to the rest of your server.
const server = createServer((req, res) =>
  webhook(req, res, () => res.writeHead(404).end('not found')),
)

const host = process.env.HOST ?? '127.0.0.1'
server.listen(Number(process.env.PORT ?? 3000), host, () => {
  console.log(`listening on http://${host}:${server.address().port}/webhook`)
})
