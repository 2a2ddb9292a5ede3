import { inklessWebhooks } from '@inkless-webhooks/koa'
import Koa from 'koa'

const app = new Koa()
// Before your body parser (or after one that keeps ctx.request.rawBody).
app.use(
  inklessWebhooks({
    path: '/webhook',
    onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
  }),
)
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
