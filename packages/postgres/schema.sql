-- @inkless-webhooks/postgres: deliveries (dedupe) and documents (event order).
CREATE SCHEMA IF NOT EXISTS "public";

-- One row per delivery: 'processing' while a claim holds it (until lease_until), 'done'
-- once its listeners succeeded (kept for the retention after settled_at).
CREATE TABLE IF NOT EXISTS "public"."inkless_webhook_deliveries" (
  dedupe_key text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('processing', 'done')),
  token text,
  lease_until timestamptz,
  settled_at timestamptz
);

CREATE INDEX IF NOT EXISTS "inkless_webhook_deliveries_expires" ON "public"."inkless_webhook_deliveries" ((coalesce(settled_at, lease_until)));

-- One row per (tenant, document): the newest event time seen and the furthest status.
CREATE TABLE IF NOT EXISTS "public"."inkless_webhook_documents" (
  tenant text NOT NULL,
  document_token text NOT NULL,
  status text,
  status_rank smallint NOT NULL,
  latest_event text NOT NULL,
  latest_event_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, document_token)
);
