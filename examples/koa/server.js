// Inkless webhooks in a Koa app.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… pnpm --filter example-koa start
// Mount it before your body parser (or use one that keeps ctx.request.rawBody).
import { inklessWebhooks } from '@inkless-webhooks/koa'
import Koa from 'koa'

const app = new Koa()

app.use(
  inklessWebhooks({
    path: '/webhook',
    // The secret comes from INKLESS_WEBHOOK_SECRET.
    onDocumentSigned: (e) =>
      console.log(`document_signed: signer ${e.secure_link_id} signed ${e.document_token}`),
    onDocumentComplete: (e) =>
      console.log(`document_complete: archive ready for ${e.document_token}`),
    onEnvelopeComplete: (e) =>
      console.log(`envelope_complete: ${e.document_token} is fully signed`),
    onError: (error) => console.error(`webhook error: ${error.message}`),
  }),
)

const host = process.env.HOST ?? '127.0.0.1'
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  console.log(`listening on http://${host}:${server.address().port}/webhook`)
})
