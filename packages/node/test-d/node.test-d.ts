import http, {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http'
import {
  createInklessWebhooks,
  type DeliveryContext,
  type InklessEvent,
  type InklessResponse,
  type InklessWebhooks,
} from '@inkless-webhooks/core'
import {
  type InklessNodeMiddleware,
  inklessWebhooks,
  type NextFunction,
} from '@inkless-webhooks/node'
import { lingerIfUnread } from '@inkless-webhooks/node/adapter'
import { expectAssignable, expectError, expectType } from 'tsd'

const onEvent = (e: InklessEvent) => expectType<string>(e.document_token)

// The brief's one-liner: the middleware is a node:http request listener.
http.createServer(inklessWebhooks({ path: '/webhook', secret: 's', onEvent }))

const webhook = inklessWebhooks({
  path: '/webhook',
  secret: 's',
  onDocumentSigned: (e, context) => {
    expectType<'document_signed'>(e.event)
    expectType<DeliveryContext>(context)
  },
  onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
  onEvent,
})
expectType<InklessNodeMiddleware>(webhook)
expectType<InklessWebhooks>(webhook.webhooks)
expectAssignable<RequestListener>(webhook)
createServer(webhook)
expectError(() => {
  webhook.webhooks = createInklessWebhooks()
})

// The connect-style (req, res, next) form; next is optional.
declare const req: IncomingMessage
declare const res: ServerResponse
const next: NextFunction = (error) => expectType<unknown>(error)
expectType<Promise<void>>(webhook(req, res, next))
expectType<Promise<void>>(webhook(req, res, () => {}))
expectType<Promise<void>>(webhook(req, res))
expectError(webhook(req))

// An existing core instance plus adapter options.
const instance = createInklessWebhooks({ secret: ['old', 'new'] })
const shared = inklessWebhooks(instance, { path: '/webhook' })
expectType<InklessNodeMiddleware>(shared)
expectType<InklessWebhooks>(shared.webhooks)
createServer(shared)
inklessWebhooks(instance)
inklessWebhooks()
expectError(inklessWebhooks(instance, { path: 42 }))
expectError(inklessWebhooks(instance, { secret: 's' }))

webhook.webhooks.on('document_signed', (e) => expectType<'document_signed'>(e.event))
expectError(webhook.webhooks.on('document_voided', () => {}))

expectError(inklessWebhooks({ secret: 's', onDocumentCompleted: () => {} }))
expectError(inklessWebhooks({ path: '/webhook', secret: 's', onDocumentCompleted: () => {} }))
expectError(inklessWebhooks({ secret: 's', path: 42 }))
expectError(inklessWebhooks({ secret: 42 }))
expectError(
  inklessWebhooks({ onDocumentSigned: (e: { event: 'link_viewed'; document_token: string }) => e }),
)

// Adapter authors pass the instance's limits; without them, the defaults' bounds apply.
declare const lingering: IncomingMessage
declare const answer: InklessResponse
lingerIfUnread(lingering, answer, webhook.webhooks.limits)
lingerIfUnread(lingering, answer)
expectError(lingerIfUnread(lingering, answer, { maxBodyBytes: 1 }))

// An instance whose dedupe store adds to the listeners' context (createPostgresTransactionalStore adds
// `db`): accepted like any other.
declare const withStoreContext: InklessWebhooks<{ db: { query(sql: string): Promise<unknown> } }>
expectType<InklessNodeMiddleware>(inklessWebhooks(withStoreContext, { path: '/webhook' }))
