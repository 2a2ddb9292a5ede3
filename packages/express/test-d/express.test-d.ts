import { createInklessWebhooks } from '@inkless-webhooks/core'
import { type InklessExpressMiddleware, inklessWebhooks } from '@inkless-webhooks/express'
import express, { type RequestHandler } from 'express'
import { expectAssignable, expectError, expectType } from 'tsd'

const app = express()
const webhook = inklessWebhooks({
  secret: 's',
  onDocumentComplete: (e) => expectType<'document_complete'>(e.event),
})
expectType<InklessExpressMiddleware>(webhook)
expectAssignable<RequestHandler>(webhook)
app.post('/webhook', webhook)
app.use('/webhook', inklessWebhooks({ secret: 's' }))
app.post('/shared', inklessWebhooks(createInklessWebhooks({ secret: 's' })))

expectError(inklessWebhooks({ secret: 's', onDocumentCompleted: () => {} }))
expectError(inklessWebhooks({ secret: 's', onDocumentSigned: (e: { event: 'link_viewed' }) => e }))
