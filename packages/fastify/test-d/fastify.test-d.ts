import { createInklessWebhooks, type InklessWebhooks } from '@inkless-webhooks/core'
import fastifyDefault, {
  type InklessFastifyOptions,
  inklessWebhooks,
} from '@inkless-webhooks/fastify'
import Fastify from 'fastify'
import { expectError, expectNotAssignable, expectType } from 'tsd'

const app = Fastify()
await app.register(inklessWebhooks, {
  path: '/webhook',
  secret: 's',
  onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
  onDocumentSigned: (e) => expectType<'document_signed'>(e.event),
})
await app.register(fastifyDefault, {
  path: '/other',
  secret: 's',
  onDocumentComplete: (e) => expectType<'document_complete'>(e.event),
})
expectType<typeof inklessWebhooks>(fastifyDefault)

// An existing core instance.
await app.register(inklessWebhooks, {
  path: '/shared',
  webhooks: createInklessWebhooks({ secret: 's' }),
})

const options: InklessFastifyOptions = { path: '/typed', secret: ['old', 'new'] }
await app.register(inklessWebhooks, options)

// Inside another plugin, under a prefix, reusing the decorated instance.
await app.register(
  async (child) => {
    await child.register(inklessWebhooks, {
      path: '/nested',
      webhooks: child.inklessWebhooks,
    })
  },
  { prefix: '/v1' },
)
await Fastify({ logger: true }).register(inklessWebhooks, { path: '/webhook', prefix: '/api' })

// The decorator: on the context the plugin was registered in and its children, absent at the
// root when registered inside another plugin, so its type says it may be absent.
expectType<InklessWebhooks | undefined>(app.inklessWebhooks)
expectNotAssignable<InklessWebhooks>(app.inklessWebhooks)
// Calling it unchecked is TS18048 "possibly 'undefined'", which tsd's expectError does not
// accept; @ts-expect-error fails this file ("Unused directive") if the call ever compiles.
// @ts-expect-error 'app.inklessWebhooks' is possibly 'undefined'.
app.inklessWebhooks.on('document_signed', () => {})
if (app.inklessWebhooks) {
  app.inklessWebhooks.on('document_signed', (e) => expectType<'document_signed'>(e.event))
  expectError(app.inklessWebhooks.on('document_voided', () => {}))
}
app.inklessWebhooks?.on('envelope_complete', (e) => expectType<'envelope_complete'>(e.event))

expectError(
  app.register(inklessWebhooks, { path: '/webhook', secret: 's', onEnvelopeCompleted: () => {} }),
)
expectError(app.register(inklessWebhooks, { secret: 's' }))
expectError(app.register(fastifyDefault, { secret: 's' }))
expectError(app.register(inklessWebhooks, { path: 42, secret: 's' }))
expectError(app.register(inklessWebhooks, { path: '/webhook', respond: 'later' }))
expectError(app.register(inklessWebhooks, { path: '/webhook', webhooks: {} }))

// An instance whose dedupe store adds to the listeners' context (createPostgresTransactionalStore adds
// `db`): accepted like any other.
declare const withStoreContext: InklessWebhooks<{ db: { query(sql: string): Promise<unknown> } }>
await app.register(inklessWebhooks, { path: '/webhook', webhooks: withStoreContext })
