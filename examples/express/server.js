// Inkless webhooks in an Express app.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… pnpm --filter example-express start
// Mount the webhook before express.json(): it needs the raw bytes Inkless signed.
import { inklessWebhooks } from '@inkless-webhooks/express'
import express from 'express'

const app = express()

app.post(
  '/webhook',
  inklessWebhooks({
    // The secret comes from INKLESS_WEBHOOK_SECRET.
    onDocumentSigned: (e) =>
      console.log(`document_signed: signer ${e.secure_link_id} signed ${e.document_token}`),
    onDocumentComplete: (e) =>
      console.log(`document_complete: archive ready for ${e.document_token}`),
    onEnvelopeComplete: async (e) => {
      await updateCrm(e.document_token)
      console.log(`envelope_complete: ${e.document_token} is fully signed`)
    },
    onError: (error) => console.error(`webhook error: ${error.message}`),
  }),
)
app.use(express.json()) // the rest of your API keeps its JSON parser

// Your downstream call. With FLAKY_CRM=1 its first call per envelope fails, so you can
// watch Inkless's retry deliver the event again (`pnpm demo` does this).
const crmCalls = new Set()
async function updateCrm(documentToken) {
  if (process.env.FLAKY_CRM && !crmCalls.has(documentToken)) {
    crmCalls.add(documentToken)
    throw new Error(`CRM timed out for ${documentToken}`)
  }
}

const host = process.env.HOST ?? '127.0.0.1'
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  console.log(`listening on http://${host}:${server.address().port}/webhook`)
})
