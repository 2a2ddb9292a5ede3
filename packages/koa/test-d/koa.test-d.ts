import { createInklessWebhooks } from '@inkless-webhooks/core'
import { type InklessKoaMiddleware, inklessWebhooks } from '@inkless-webhooks/koa'
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import { expectAssignable, expectError, expectType } from 'tsd'

const app = new Koa()
const webhook = inklessWebhooks({
  path: '/webhook',
  secret: 's',
  onDocumentSigned: (e) => expectType<'document_signed'>(e.event),
})
expectType<InklessKoaMiddleware>(webhook)
expectAssignable<Middleware>(webhook)
app.use(webhook)

const router = new Router()
router.post('/webhook', inklessWebhooks({ secret: 's' }))
app.use(router.routes())
app.use(inklessWebhooks(createInklessWebhooks({ secret: 's' }), { path: '/shared' }))

expectError(inklessWebhooks({ secret: 's', onDocumentCompleted: () => {} }))
expectError(inklessWebhooks({ secret: 's', path: ['/webhook'] }))
