import { createInklessWebhooks, type InklessWebhooks } from '@inkless-webhooks/core'
import { type InklessFetchHandler, inklessWebhooks } from '@inkless-webhooks/fetch'
import { Hono } from 'hono'
import { expectAssignable, expectError, expectType } from 'tsd'

const POST = inklessWebhooks({
  secret: 's',
  onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
  onDocumentSigned: (e) => {
    expectType<'document_signed'>(e.event)
    expectType<number | null | undefined>(e.secure_link_id)
  },
})
expectType<InklessFetchHandler>(POST)
expectType<InklessWebhooks>(POST.webhooks)
expectType<Promise<Response>>(POST(new Request('https://example.test')))

// A Next.js App Router route handler: (request, { params }) => Response | Promise<Response>.
interface NextRequestLike extends Request {
  readonly nextUrl: URL
}
type NextRouteHandler = (
  request: NextRequestLike,
  context: { params: Promise<Record<string, string | string[] | undefined>> },
) => Response | Promise<Response>
expectAssignable<NextRouteHandler>(POST)

// Hono: the handler mounts as it is, and takes a Context or its request.
const app = new Hono()
app.post('/webhook', POST)
app.all('/webhook-all', POST)
app.post('/webhook-raw', (c) => POST(c.req.raw))
app.post('/webhook-context', (c) => {
  expectType<Promise<Response>>(POST(c))
  return POST(c)
})
new Hono<{ Bindings: { INKLESS_WEBHOOK_SECRET: string } }>().post('/webhook', POST)

// Workers-style module: fetch(request, env, ctx).
declare const ctx: { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void }
expectType<Promise<Response>>(POST(new Request('https://example.test'), ctx))

// Options, or an instance with adapter options beside it.
inklessWebhooks(createInklessWebhooks({ secret: 's' }), { waitUntil: (p) => void p })
inklessWebhooks({ secret: 's', respond: 'immediately', waitUntil: (p: Promise<unknown>) => void p })

expectError(inklessWebhooks({ secret: 's', onEnvelopeCompleted: () => {} }))
expectError(inklessWebhooks({ secret: 's', waitUntil: 'later' }))
expectError(POST('https://example.test/webhook'))

// An instance whose dedupe store adds to the listeners' context (createPostgresTransactionalStore adds
// `db`): accepted like any other.
declare const withStoreContext: InklessWebhooks<{ db: { query(sql: string): Promise<unknown> } }>
expectType<InklessFetchHandler>(inklessWebhooks(withStoreContext))
