import { inklessWebhooks } from '@inkless-webhooks/express'
import express from 'express'

const app = express()

// Before express.json(): the signature covers the raw bytes Inkless sent.
app.post(
  '/webhook',
  inklessWebhooks({
    // secret: defaults to process.env.INKLESS_WEBHOOK_SECRET
    onDocumentSigned: (e) => console.log(`signer ${e.secure_link_id} signed ${e.document_token}`),
    onEnvelopeComplete: async (e) => {
      // Your work goes here. If it throws, Inkless gets a 500 and delivers the event again.
      console.log(`envelope ${e.document_token} is complete`)
    },
  }),
)
app.use(express.json()) // your other routes keep their JSON parser

app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
