import { createServer } from 'node:http'
import { inklessWebhooks } from '@inkless-webhooks/node'

const webhook = inklessWebhooks({
  path: '/webhook',
  onEvent: (e) => console.log(`${e.event} for ${e.document_token}`),
})
// Other paths go on to the rest of your server (without a third argument: 404).
createServer((req, res) => webhook(req, res, () => res.writeHead(404).end())).listen(
  Number(process.env.PORT ?? 3000),
  '127.0.0.1',
)
