import { serve } from '@hono/node-server'
import { inklessWebhooks } from '@inkless-webhooks/fetch'
import { Hono } from 'hono'

const app = new Hono()
// Mount the handler itself: on Workers it also hands `respond: 'immediately'` work to
// c.executionCtx.waitUntil.
app.post(
  '/webhook',
  inklessWebhooks({
    onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
  }),
)

// On Node. Bun, Deno and Workers serve `app` their own way: examples/hono has each.
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' })
