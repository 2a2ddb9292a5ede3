// h3 v2, the server of Nitro 3 and Nuxt 4: `event.req` is a Web Request, so the fetch adapter
// takes it as it is. In Nitro, the same handler is a route file, server/routes/webhook.post.ts:
// `export default defineHandler((event) => webhook(event.req))`.
import { inklessWebhooks } from '@inkless-webhooks/fetch'
import { H3, serve } from 'h3'

const webhook = inklessWebhooks({
  onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
})

const app = new H3()
app.post('/webhook', (event) => webhook(event.req))
serve(app, { port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' })
