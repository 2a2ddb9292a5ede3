// app/api/inkless/route.ts — Inkless posts to https://your-app/api/inkless.
// The secret comes from INKLESS_WEBHOOK_SECRET.
import { inklessWebhooks } from '@inkless-webhooks/fetch'

export const POST = inklessWebhooks({
  onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
  onDocumentComplete: (e) => console.log(`archive ready for ${e.document_token}`),
  onEnvelopeComplete: async (e) => {
    console.log(`envelope ${e.document_token} is fully signed`)
  },
})
