// Inkless webhooks in a Hono app. The same app runs on every runtime Hono runs on:
// server.js serves it on Node, bun.js on Bun, deno.js on Deno, worker.js on Workers.
import { inklessWebhooks } from '@inkless-webhooks/fetch'
import { Hono } from 'hono'

export const app = new Hono()

// Mount the handler itself: it reads the request from Hono's context, and on Workers
// hands `respond: 'immediately'` work to c.executionCtx.waitUntil.
app.post(
  '/webhook',
  inklessWebhooks({
    // The secret comes from INKLESS_WEBHOOK_SECRET.
    onDocumentSigned: (e) =>
      console.log(`document_signed: signer ${e.secure_link_id} signed ${e.document_token}`),
    onDocumentComplete: (e) =>
      console.log(`document_complete: archive ready for ${e.document_token}`),
    onEnvelopeComplete: (e) =>
      console.log(`envelope_complete: ${e.document_token} is fully signed`),
    onError: (error) => console.error(`webhook error: ${error.message}`),
  }),
)
