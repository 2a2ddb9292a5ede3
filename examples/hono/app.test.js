// app.test.js: signed deliveries through the app of app.js, no server. Run it with
// `INKLESS_WEBHOOK_SECRET=whsec_test node --test app.test.js`: any secret, as the app checks
// with the one the requests are signed with.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  buildHandshakeRequest,
  buildSignedRequest,
  createTestEvent,
} from '@inkless-webhooks/testing'
import { app } from './app.js'

test('answers the handshake with its verification_secret', async () => {
  const handshake = buildHandshakeRequest()
  const res = await app.request('/webhook', handshake)
  assert.equal(await res.text(), handshake.verificationSecret)
})

test('accepts a signed event', async () => {
  const event = createTestEvent('document_signed', { secure_link_id: 271 })
  // Signed with INKLESS_WEBHOOK_SECRET, the app's secret, unless you pass { secret }.
  const res = await app.request('/webhook', buildSignedRequest(event))
  assert.equal(res.status, 200)
})

test('refuses a delivery signed with another secret', async () => {
  const event = createTestEvent('document_signed')
  const res = await app.request('/webhook', buildSignedRequest(event, { secret: 'whsec_wrong' }))
  assert.equal(res.status, 401)
})
