// Cloudflare Workers: `wrangler secret put INKLESS_WEBHOOK_SECRET`, then `wrangler deploy`.
// wrangler.toml's nodejs_compat flag puts the secret in process.env, where it is read.
export { app as default } from './app.js'
