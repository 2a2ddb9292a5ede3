// Two Inkless accounts on one endpoint. Run: pnpm --filter example-multi-account start
// Secrets: ACME_WEBHOOK_SECRET and GLOBEX_WEBHOOK_SECRET (demo values otherwise).
import { accounts } from './accounts.js'
import { createApp } from './app.js'

const { app } = createApp(accounts)
const host = process.env.HOST ?? '127.0.0.1'
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  const base = `http://${host}:${server.address().port}/webhooks`
  console.log(`listening on ${base}/acme and ${base}/globex`)
})
