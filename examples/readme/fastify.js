import { createInklessWebhooks } from '@inkless-webhooks/core'
import { inklessWebhooks } from '@inkless-webhooks/fastify'
import Fastify from 'fastify'

// Your own instance: add listeners to it at any time.
const webhooks = createInklessWebhooks({
  onEnvelopeComplete: (e) => console.log(`envelope ${e.document_token} is complete`),
})
webhooks.on('document_signed', (e) =>
  console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
)

const app = Fastify()
// The plugin reads the raw body in a context of its own: your other routes keep their parser.
await app.register(inklessWebhooks(webhooks, { path: '/webhook' }))
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
