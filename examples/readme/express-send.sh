export INKLESS_WEBHOOK_SECRET=whsec_try_it
pnpm exec inkless-webhooks send http://127.0.0.1:3000/webhook document_signed
