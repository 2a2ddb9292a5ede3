// Bun. Run: INKLESS_WEBHOOK_SECRET=whsec_… bun bun.js
import { app } from './app.js'

const server = Bun.serve({
  fetch: app.fetch,
  hostname: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 3000),
})
console.log(`listening on ${new URL('/webhook', server.url)}`)
