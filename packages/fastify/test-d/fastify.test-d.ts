import { createInklessWebhooks, type InklessWebhooks } from '@inkless-webhooks/core'
import fastifyDefault, { inklessWebhooks } from '@inkless-webhooks/fastify'
import Fastify from 'fastify'
import { expectError, expectType } from 'tsd'

const app = Fastify()
await app.register(inklessWebhooks, {
  path: '/webhook',
  secret: 's',
  onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
})
await app.register(fastifyDefault, { path: '/other', secret: 's' })
await app.register(inklessWebhooks, {
  path: '/shared',
  webhooks: createInklessWebhooks({ secret: 's' }),
})

expectType<InklessWebhooks>(app.inklessWebhooks)
app.inklessWebhooks.on('document_signed', (e) => expectType<'document_signed'>(e.event))

expectError(
  app.register(inklessWebhooks, { path: '/webhook', secret: 's', onEnvelopeCompleted: () => {} }),
)
expectError(app.register(inklessWebhooks, { secret: 's' }))
expectError(app.register(inklessWebhooks, { path: '/webhook', respond: 'later' }))
