// hapi: the route leaves the payload unread (`parse: false`, `output: 'stream'`), the node:http
// adapter reads it from the raw request under its own limits and answers on the raw response.
import Hapi from '@hapi/hapi'
import { inklessWebhooks } from '@inkless-webhooks/node'

const webhook = inklessWebhooks({
  onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
})

const server = Hapi.server({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
server.route({
  method: 'POST',
  path: '/webhook',
  options: { payload: { parse: false, output: 'stream' } },
  handler: async (request, h) => {
    await webhook(request.raw.req, request.raw.res)
    return h.abandon // the answer is written already
  },
})
await server.start()
