// What users import from either build; index.ts (node:crypto) and web.ts (Web Crypto) add
// the crypto functions and createInklessWebhooks. What adapter authors need is in adapter.ts.
export type { BodySource, ConsumedBody, RawBody } from './body.js'
export {
  type ClaimInfo,
  type ClaimResult,
  type ContextClaim,
  createMemoryDedupeStore,
  type DedupeStore,
  type MemoryDedupeStoreOptions,
} from './dedupe.js'
export {
  type InklessError,
  type InklessErrorCode,
  InklessHandlerError,
  InklessWebhookError,
  type ListenerFailure,
} from './errors.js'
export {
  type CallbackName,
  INKLESS_EVENT_INFO,
  INKLESS_EVENTS,
  type InklessEvent,
  type InklessEventInfo,
  type InklessEventMap,
  type InklessEventName,
  type InklessEventOf,
  type InklessEventPayload,
  type InklessUnknownEvent,
  type InklessVerificationRequest,
  isInklessEventName,
  type PascalCase,
} from './events.js'
export type { HeaderSource } from './headers.js'
export type {
  DeliveryContext,
  DeliveryContextWith,
  EventCallbacks,
  EventHandler,
  ListenerMethods,
  ListenerOptions,
} from './listeners.js'
export type { MaybePromise } from './maybe-async.js'
export type { InklessWebhooksOptions, VerificationContext } from './options.js'
export { type ParseResult, parseEvent } from './parse.js'
export type { DeliveryQueue, QueuedDelivery } from './queue.js'
export type { ErrorContext, Logger } from './report.js'
export type { HandleOptions, InklessRequest, InklessResponse } from './request.js'
export type { SecretLookup, Secrets, TenantSecrets } from './secrets.js'
export type {
  OpenTelemetryApi,
  OtelAttributes,
  OtelContext,
  OtelInstrument,
  OtelMeter,
  OtelSpan,
  OtelSpanContext,
  OtelTracer,
  OtelTracerProvider,
  TelemetryOption,
} from './telemetry.js'
export {
  type AnyInklessWebhooks,
  type BodyLimits,
  type InklessWebhooks,
  isInklessWebhooks,
} from './webhooks.js'
