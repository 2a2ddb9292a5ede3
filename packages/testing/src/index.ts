/**
 * Test your integration without a tunnel: signed fixtures for supertest, Hono's
 * `app.request()` or `fetch`, and a local Inkless that sends, retries, reorders and duplicates
 * deliveries against a URL (also the `inkless-webhooks` CLI).
 *
 * @module @inkless-webhooks/testing
 */
export {
  buildHandshakeRequest,
  buildSignedRequest,
  createTestEvent,
  type HandshakeRequest,
  type SignedRequest,
  type SignOptions,
} from './fixtures.js'
export type {
  DeliveryHistory,
  FailedJobFilter,
  HistoryEntry,
  HistoryRequest,
  HistoryResponse,
  ReplayDelivery,
  ReplayedJob,
  ReplaySource,
} from './replay.js'
export {
  createDispatcher,
  type Delivery,
  type HandshakeResult,
  type SendOptions,
  sendHandshake,
  sendWebhook,
  type WebhookResponse,
} from './send.js'
export {
  type Attempt,
  type EventStats,
  type PlannedDelivery,
  type PlanOptions,
  type Progress,
  planEnvelopes,
  quantile,
  type SimulateOptions,
  type SimulationReport,
  simulate,
} from './simulate.js'
