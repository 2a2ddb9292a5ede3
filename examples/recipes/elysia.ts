// Elysia on Bun (`bun elysia.ts`): hand the route's Web Request to the fetch adapter.
// `parse: 'none'`: Elysia never reads the signed bytes first, even if a hook asks for the body.
import { inklessWebhooks } from '@inkless-webhooks/fetch'
import { Elysia } from 'elysia'

const webhook = inklessWebhooks({
  onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
})

new Elysia()
  .post('/webhook', ({ request }) => webhook(request), { parse: 'none' })
  .listen({ port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' })
