import {
  createInklessWebhooks,
  type InklessEventOf,
  type InklessWebhooks,
} from '@inkless-webhooks/core'
import { type InklessKoaMiddleware, inklessWebhooks } from '@inkless-webhooks/koa'
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import { expectAssignable, expectError, expectType } from 'tsd'

const secret = 's'
const onDocumentSigned = (e: InklessEventOf<'document_signed'>) =>
  expectType<'document_signed'>(e.event)

const app = new Koa()
app.use(inklessWebhooks({ path: '/webhook', secret, onDocumentSigned }))
app.use(
  inklessWebhooks({
    path: '/other',
    secret,
    onDocumentSigned: (e) => expectType<'document_signed'>(e.event),
    onOtpVerified: (e) => expectType<'otp_verified'>(e.event),
  }),
)

const router = new Router()
router.post('/webhook', inklessWebhooks({ secret }))
router.all(
  '/any',
  inklessWebhooks({ secret, onLinkViewed: (e) => expectType<'link_viewed'>(e.event) }),
)
app.use(router.routes())

const webhook = inklessWebhooks({ path: '/webhook', secret })
expectType<InklessKoaMiddleware>(webhook)
expectType<InklessWebhooks>(webhook.webhooks)
expectAssignable<Middleware>(webhook)
webhook.webhooks.on('sms_failed', (e) => expectType<'sms_failed'>(e.event))

// Apps and routers with their own state and context types.
const typedApp = new Koa<{ user?: string }, { requestId: string }>()
typedApp.use(inklessWebhooks({ path: '/webhook', secret }))
const typedRouter = new Router<{ user?: string }, { requestId: string }>()
typedRouter.post('/webhook', inklessWebhooks({ secret }))
typedApp.use(typedRouter.routes()).use(typedRouter.allowedMethods())

// An existing core instance, with or without a path.
const instance = createInklessWebhooks({ secret })
app.use(inklessWebhooks(instance, { path: '/shared' }))
router.post('/shared', inklessWebhooks(instance))
expectType<InklessWebhooks>(inklessWebhooks(instance).webhooks)
expectError(inklessWebhooks(instance, { path: 42 }))

expectError(inklessWebhooks({ secret, onDocumentCompleted: () => {} }))
expectError(inklessWebhooks({ secret, onDocumentSigned: (e: { event: 'link_viewed' }) => e }))
expectError(inklessWebhooks({ secret, path: ['/webhook'] }))
expectError(inklessWebhooks({ secret: 42 }))

// An instance whose dedupe store adds to the listeners' context (createPostgresTransactionalStore adds
// `db`): accepted like any other.
declare const withStoreContext: InklessWebhooks<{ db: { query(sql: string): Promise<unknown> } }>
expectType<InklessKoaMiddleware>(inklessWebhooks(withStoreContext, { path: '/webhook' }))
