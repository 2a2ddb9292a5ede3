import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inklessWebhooks } from '@inkless-webhooks/node'
import { SECRET } from './deliveries.js'

/**
 * A node-adapter receiver on 127.0.0.1 that records `<event> <document_token>` for each event
 * it runs: where a replay's `--to` sends its deliveries.
 */
export async function recordingReceiver() {
  const received: string[] = []
  const server = createServer(
    inklessWebhooks({
      secret: SECRET,
      onEvent: (event) => void received.push(`${event.event} ${event.document_token}`),
    }),
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}
