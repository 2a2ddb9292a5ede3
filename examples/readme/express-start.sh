export INKLESS_WEBHOOK_SECRET=whsec_try_it   # any string here; in production, your webhook's secret
node examples/readme/express.js
