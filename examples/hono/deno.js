// Deno. Run: INKLESS_WEBHOOK_SECRET=whsec_… deno run --allow-net --allow-env deno.js
import { app } from './app.js'

Deno.serve(
  {
    hostname: Deno.env.get('HOST') ?? '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 3000),
    onListen: ({ hostname, port }) =>
      console.log(`listening on http://${hostname}:${port}/webhook`),
  },
  app.fetch,
)
