// Stands in for your platform's database: each customer (tenant) stored the webhook secret
// Inkless showed them when they added your URL to their own Inkless account.
const rows = new Map([
  ['acme', { webhookSecret: process.env.ACME_WEBHOOK_SECRET ?? 'whsec_acme_example' }],
  ['globex', { webhookSecret: process.env.GLOBEX_WEBHOOK_SECRET ?? 'whsec_globex_example' }],
])

export const accounts = {
  /** A database query in real life; undefined for a tenant you do not have. */
  async webhookSecret(tenant) {
    return rows.get(tenant)?.webhookSecret
  },
}
