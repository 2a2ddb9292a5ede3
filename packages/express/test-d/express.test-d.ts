import { createInklessWebhooks, type InklessWebhooks } from '@inkless-webhooks/core'
import {
  type ExpressAdapterOptions,
  type InklessExpressMiddleware,
  inklessWebhooks,
} from '@inkless-webhooks/express'
import express, { type RequestHandler, Router } from 'express'
import { expectAssignable, expectError, expectType } from 'tsd'

const app: express.Express = express()

app.post(
  '/webhook',
  inklessWebhooks({
    secret: 's',
    onDocumentSigned: (e) => expectType<'document_signed'>(e.event),
    onDocumentComplete: (e) => expectType<'document_complete'>(e.event),
  }),
)
app.use(
  '/webhook',
  inklessWebhooks({
    secret: 's',
    onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
  }),
)
app.use(inklessWebhooks())
app.post('/raw', express.raw({ type: '*/*' }), inklessWebhooks({ secret: ['old', 'new'] }))

const router = Router()
router.post('/webhook', inklessWebhooks({ secret: 's' }))
app.use('/api', router)
app.route('/hook').post(inklessWebhooks({ secret: 's' }))

const webhook = inklessWebhooks({ secret: 's' })
expectType<InklessExpressMiddleware>(webhook)
expectType<InklessWebhooks>(webhook.webhooks)
expectAssignable<RequestHandler>(webhook)
webhook.webhooks.on('link_viewed', (e) => expectType<'link_viewed'>(e.event))

// An existing core instance.
const instance = createInklessWebhooks({ secret: 's' })
app.post('/shared', inklessWebhooks(instance))
app.use('/shared', inklessWebhooks(instance))
expectType<InklessWebhooks>(inklessWebhooks(instance).webhooks)

expectError(inklessWebhooks({ secret: 's', onDocumentCompleted: () => {} }))
expectError(inklessWebhooks({ secret: 's', onDocumentSigned: (e: { event: 'link_viewed' }) => e }))
expectError(inklessWebhooks({ secret: 42 }))

// An instance whose dedupe store adds to the listeners' context (createPostgresTransactionalStore adds
// `db`): accepted like any other.
declare const withStoreContext: InklessWebhooks<{ db: { query(sql: string): Promise<unknown> } }>
expectType<InklessExpressMiddleware>(inklessWebhooks(withStoreContext))

// The shape of every adapter: (optionsOrInstance, adapterOptions).
app.use(inklessWebhooks(instance, { path: '/webhook' }))
app.use(inklessWebhooks({ secret: 's', path: '/webhook' }))
expectError(inklessWebhooks(instance, { path: 42 }))
expectError(inklessWebhooks(instance, { secret: 's' }))
expectAssignable<ExpressAdapterOptions>({ path: '/webhook' })
