import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http'
import { createInklessWebhooks, type InklessWebhooks } from '@inkless-webhooks/core'
import { type InklessNodeMiddleware, inklessWebhooks } from '@inkless-webhooks/node'
import { expectAssignable, expectError, expectType } from 'tsd'

const webhook = inklessWebhooks({
  path: '/webhook',
  secret: 's',
  onDocumentSigned: (e) => expectType<'document_signed'>(e.event),
  onEvent: (e) => expectType<string>(e.document_token),
})
expectType<InklessNodeMiddleware>(webhook)
expectType<InklessWebhooks>(webhook.webhooks)
expectAssignable<RequestListener>(webhook)
createServer(webhook)

declare const req: IncomingMessage
declare const res: ServerResponse
expectType<Promise<void>>(webhook(req, res, () => {}))
expectType<Promise<void>>(webhook(req, res))

inklessWebhooks(createInklessWebhooks({ secret: 's' }), { path: '/webhook' })
webhook.webhooks.on('envelope_complete', (e) => expectType<'envelope_complete'>(e.event))

expectError(inklessWebhooks({ secret: 's', onDocumentCompleted: () => {} }))
expectError(inklessWebhooks({ secret: 's', path: 42 }))
expectError(webhook.webhooks.on('document_voided', () => {}))
