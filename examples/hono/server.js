// Inkless webhooks in a Hono app, served by @hono/node-server.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… pnpm --filter example-hono start
// On Workers, pass the execution context too: webhook(c.req.raw, c.executionCtx).
import { serve } from '@hono/node-server'
import { inklessWebhooks } from '@inkless-webhooks/fetch'
import { Hono } from 'hono'

const webhook = inklessWebhooks({
  // The secret comes from INKLESS_WEBHOOK_SECRET.
  onDocumentSigned: (e) =>
    console.log(`document_signed: signer ${e.secure_link_id} signed ${e.document_token}`),
  onDocumentComplete: (e) =>
    console.log(`document_complete: archive ready for ${e.document_token}`),
  onEnvelopeComplete: (e) => console.log(`envelope_complete: ${e.document_token} is fully signed`),
  onError: (error) => console.error(`webhook error: ${error.message}`),
})

const app = new Hono()
app.post('/webhook', (c) => webhook(c.req.raw))

const hostname = process.env.HOST ?? '127.0.0.1'
serve({ fetch: app.fetch, hostname, port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`listening on http://${hostname}:${info.port}/webhook`)
})
