// Inkless webhooks in a Fastify app.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… pnpm --filter example-fastify start
// The plugin reads the raw body in its own context; your other routes keep their JSON parser.
import { inklessWebhooks } from '@inkless-webhooks/fastify'
import Fastify from 'fastify'

const app = Fastify()

await app.register(
  inklessWebhooks({
    path: '/webhook',
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

const host = process.env.HOST ?? '127.0.0.1'
await app.listen({ port: Number(process.env.PORT ?? 3000), host })
console.log(`listening on http://${host}:${app.server.address().port}/webhook`)
