import { inklessWebhooks } from '@inkless-webhooks/fetch'
import { Hono } from 'hono'

export const app = new Hono()
// Mount the handler itself: on Workers it also hands `respond: 'immediately'` work to
// c.executionCtx.waitUntil.
app.post(
  '/webhook',
  inklessWebhooks({
    onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
  }),
)
