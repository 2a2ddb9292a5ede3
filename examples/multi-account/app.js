// One webhook route for every customer's Inkless account: /webhooks/acme, /webhooks/globex…
// Each request is verified with its own tenant's secret, and dedupe is per tenant.
// docs/tenants.md says what the lookup may return (the tenant's own id) and how it is cached.
import { inklessWebhooks } from '@inkless-webhooks/express'
import express from 'express'

// '/webhooks/acme' -> 'acme'. Anything else is no tenant: 404, and no database query.
export const tenantOf = (request) =>
  /^\/webhooks\/([\w-]{1,64})\/?(?:\?|$)/.exec(request.url ?? '')?.[1]

/** `accounts.webhookSecret(tenant)` is your database; `options` any other inklessWebhooks option. */
export function createApp(accounts, options = {}) {
  const webhooks = inklessWebhooks({
    tenant: tenantOf,
    // Handed the tenant only, and cached per tenant for a minute (secretCacheMs): a burst of
    // deliveries costs one query, and an unknown name one query per 5 s.
    secret: (tenant) => accounts.webhookSecret(tenant),
    onDocumentSigned: (e, { tenant }) =>
      console.log(`${tenant}: signer ${e.secure_link_id} signed ${e.document_token}`),
    onEnvelopeComplete: (e, { tenant }) =>
      console.log(`${tenant}: envelope ${e.document_token} is fully signed`),
    ...options,
  })
  const app = express()
  app.post('/webhooks/:tenant', webhooks)
  app.use(express.json()) // the rest of your API keeps its JSON parser
  return { app, webhooks: webhooks.webhooks }
}
