// What both builds export; index.ts (node:crypto) and web.ts (Web Crypto) add the crypto.
export { type BodySource, type ConsumedBody, consumedBody } from './body.js'
export {
  type ClaimResult,
  createMemoryDedupeStore,
  type DedupeStore,
  type MemoryDedupeStoreOptions,
} from './dedupe.js'
export {
  type InklessErrorCode,
  InklessHandlerError,
  InklessWebhookError,
  type ListenerFailure,
} from './errors.js'
export {
  type CallbackName,
  callbackName,
  INKLESS_EVENTS,
  type InklessEvent,
  type InklessEventName,
  type InklessEventOf,
  type InklessEventPayload,
  type InklessUnknownEvent,
  type InklessVerificationRequest,
  isInklessEventName,
} from './events.js'
export { getHeader, type HeaderSource, pathMatches } from './headers.js'
export { type ParseResult, parseEvent } from './parse.js'
export type { RawBody, Secrets } from './signature.js'
export {
  type DeliveryContext,
  type ErrorContext,
  type EventCallbacks,
  type EventHandler,
  type HandleOptions,
  type InklessRequest,
  type InklessResponse,
  type InklessWebhooks,
  type InklessWebhooksOptions,
  isInklessWebhooks,
} from './webhooks.js'
