import { createInklessWebhooks, type InklessWebhooks } from '@inkless-webhooks/core'
import fastifyDefault, {
  type FastifyAdapterOptions,
  type InklessFastifyOptions,
  type InklessFastifyPlugin,
  inklessWebhooks,
} from '@inkless-webhooks/fastify'
import Fastify from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'

const app = Fastify()

// As every adapter: inklessWebhooks(optionsOrInstance, adapterOptions?) gives the plugin.
const plugin = inklessWebhooks({
  path: '/webhook',
  secret: 's',
  onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
  onDocumentSigned: (e) => expectType<'document_signed'>(e.event),
})
expectType<InklessFastifyPlugin>(plugin)
expectType<InklessWebhooks>(plugin.webhooks)
plugin.webhooks.on('document_signed', (e) => expectType<'document_signed'>(e.event))
await app.register(plugin)
await app.register(
  fastifyDefault({
    path: '/other',
    secret: 's',
    onDocumentComplete: (e) => expectType<'document_complete'>(e.event),
  }),
)
expectType<typeof inklessWebhooks>(fastifyDefault)

// An existing core instance, with the adapter's options beside it; register's own options.
const shared = createInklessWebhooks({ secret: 's' })
await app.register(inklessWebhooks(shared, { path: '/shared' }), { prefix: '/v1' })
const adapterOptions: FastifyAdapterOptions = { path: '/typed' }
await app.register(inklessWebhooks(shared, adapterOptions))
const options: InklessFastifyOptions = { path: '/typed', secret: ['old', 'new'] }
await app.register(inklessWebhooks(options))

// The errors users must get: no path, a misspelt callback, a wrong type.
expectError(inklessWebhooks({ secret: 's' }))
expectError(inklessWebhooks(shared))
expectError(inklessWebhooks(shared, {}))
expectError(inklessWebhooks(shared, { path: 42 }))
expectError(inklessWebhooks({ path: '/webhook', secret: 's', onEnvelopeCompleted: () => {} }))
expectError(inklessWebhooks({ path: '/webhook', respond: 'later' }))
expectError(inklessWebhooks({ path: '/webhook', webhooks: {} }))
// Core options belong to the instance, not beside it.
expectError(inklessWebhooks(shared, { path: '/webhook', secret: 's' }))

// Deprecated, still typed: the function registered with options, an instance as `webhooks`.
await app.register(inklessWebhooks, {
  path: '/webhook',
  secret: 's',
  onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
})
await app.register(inklessWebhooks, { path: '/shared', webhooks: createInklessWebhooks({}) })
await app.register(
  async (child) => {
    await child.register(inklessWebhooks, { path: '/nested', webhooks: child.inklessWebhooks })
  },
  { prefix: '/v1' },
)
await Fastify({ logger: true }).register(inklessWebhooks, { path: '/webhook', prefix: '/api' })
await app.register(inklessWebhooks(options))
expectError(
  app.register(inklessWebhooks, { path: '/webhook', secret: 's', onEnvelopeCompleted: () => {} }),
)
expectError(app.register(inklessWebhooks, { secret: 's' }))
expectError(app.register(fastifyDefault, { secret: 's' }))
expectError(app.register(inklessWebhooks, { path: 42, secret: 's' }))
expectError(app.register(inklessWebhooks, { path: '/webhook', respond: 'later' }))
expectError(app.register(inklessWebhooks, { path: '/webhook', webhooks: {} }))

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

// An instance whose dedupe store adds to the listeners' context (createPostgresTransactionalStore adds
// `db`): accepted like any other.
declare const withStoreContext: InklessWebhooks<{ db: { query(sql: string): Promise<unknown> } }>
expectAssignable<InklessFastifyPlugin>(inklessWebhooks(withStoreContext, { path: '/webhook' }))
await app.register(inklessWebhooks, { path: '/webhook', webhooks: withStoreContext })
