pnpm exec inkless-webhooks handshake http://127.0.0.1:3000/webhook
pnpm exec inkless-webhooks send http://127.0.0.1:3000/webhook document_signed --document-token tok_1
pnpm exec inkless-webhooks simulate http://127.0.0.1:3000/webhook --envelopes 20 --signers 3 --shuffle --duplicates 0.3
printf '%s' '{"event":"link_viewed"}' | pnpm exec inkless-webhooks sign
