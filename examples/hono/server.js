// Node, with @hono/node-server.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… pnpm --filter example-hono start
import { serve } from '@hono/node-server'
import { app } from './app.js'

const hostname = process.env.HOST ?? '127.0.0.1'
serve({ fetch: app.fetch, hostname, port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`listening on http://${hostname}:${info.port}/webhook`)
})
