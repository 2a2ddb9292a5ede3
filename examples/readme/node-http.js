import { createServer } from 'node:http'
import { inklessWebhooks } from '@inkless-webhooks/node'

const webhook = inklessWebhooks({
  path: '/webhook',
  onEvent: (e) => console.log(`${e.event} for ${e.document_token}`),
})
// Requests to other paths go to the third argument, the rest of your server (without it: 404).
createServer((req, res) => webhook(req, res, () => res.writeHead(404).end())).listen(
  Number(process.env.PORT ?? 3000),
  '127.0.0.1',
)
