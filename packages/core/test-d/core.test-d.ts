import {
  type AnyInklessWebhooks,
  type BodyLimits,
  type BodySource,
  type CallbackName,
  type ClaimResult,
  type ConstructEventOptions,
  type ConstructedEvent,
  type ContextClaim,
  constructEvent,
  constructEventAsync,
  createInklessWebhooks,
  createMemoryDedupeStore,
  type DedupeStore,
  type DeliveryContext,
  type DeliveryContextWith,
  type ErrorContext,
  type EventCallbacks,
  type HeaderSource,
  INKLESS_EVENT_INFO,
  INKLESS_EVENTS,
  type InklessError,
  type InklessErrorCode,
  type InklessEvent,
  type InklessEventInfo,
  type InklessEventMap,
  type InklessEventName,
  type InklessEventOf,
  type InklessEventPayload,
  type InklessHandlerError,
  type InklessRequest,
  type InklessResponse,
  type InklessUnknownEvent,
  type InklessVerificationRequest,
  type InklessWebhookError,
  type InklessWebhooks,
  type InklessWebhooksOptions,
  isInklessEventName,
  type MaybePromise,
  type OpenTelemetryApi,
  type ParseResult,
  parseEvent,
  type QueuedDelivery,
  type SecretLookup,
  signPayload,
  type TelemetryOption,
  type TenantSecrets,
  verifySignature,
} from '@inkless-webhooks/core'
import {
  type BodySource as AdapterBodySource,
  positiveOption,
  renamedOption,
  wholeBody,
  withDeadline,
} from '@inkless-webhooks/core/adapter'
import * as webCore from '@inkless-webhooks/core/web'
import * as otel from '@opentelemetry/api'
import { pino } from 'pino'
import {
  expectAssignable,
  expectDeprecated,
  expectError,
  expectNotAssignable,
  expectNotDeprecated,
  expectType,
} from 'tsd'

type AllNames =
  | 'document_signing_link_sent'
  | 'link_viewed'
  | 'link_resent'
  | 'otp_sent'
  | 'otp_verified'
  | 'document_signed'
  | 'document_complete'
  | 'envelope_complete'
  | 'sms_sent'
  | 'sms_delivered'
  | 'sms_failed'
  | 'email_delivered'
  | 'email_opened'
  | 'email_clicked'
  | 'email_bounced'
  | 'email_rejected'

declare const name: InklessEventName
expectType<AllNames>(name)
expectNotAssignable<InklessEventName>('document_voided')

expectType<readonly InklessEventName[]>(INKLESS_EVENTS)
// One list: the names, the map and the callbacks are its keys.
expectType<InklessEventName>(null as unknown as keyof typeof INKLESS_EVENT_INFO)
expectType<InklessEventName>(null as unknown as keyof InklessEventMap)
expectType<InklessEventInfo>(INKLESS_EVENT_INFO.document_signed)
expectType<boolean>(INKLESS_EVENT_INFO.envelope_complete.recipient)
expectType<InklessEventPayload<'link_viewed'>>(null as unknown as InklessEventMap['link_viewed'])
expectError(() => {
  INKLESS_EVENT_INFO.document_signed = { recipient: false }
})
expectError(() => {
  INKLESS_EVENT_INFO.document_signed.recipient = false
})
expectError(INKLESS_EVENTS.push('link_viewed'))
expectError(() => {
  INKLESS_EVENTS[0] = 'link_viewed'
})

declare const signed: InklessEventOf<'document_signed'>
expectType<'document_signed'>(signed.event)
expectType<string>(signed.document_token)
expectType<string>(signed.timestamp)
expectType<number | null | undefined>(signed.secure_link_id)
expectType<unknown>(signed.signer_email)
expectError(() => {
  signed.event = 'document_signed'
})
expectNotAssignable<InklessEventOf<'document_signed'>>({
  event: 'document_complete',
  document_token: 't',
  timestamp: 'ts',
})

declare const event: InklessEvent
expectType<InklessEventName>(event.event)
switch (event.event) {
  case 'document_signed':
    expectType<InklessEventOf<'document_signed'>>(event)
    break
  case 'otp_sent':
  case 'otp_verified':
    expectType<InklessEventOf<'otp_sent'> | InklessEventOf<'otp_verified'>>(event)
    break
  default:
    expectNotAssignable<InklessEventOf<'document_signed'>>(event)
}
if (event.event === 'envelope_complete') expectType<'envelope_complete'>(event.event)

declare const unknownEvent: InklessUnknownEvent
expectType<string>(unknownEvent.event)
expectAssignable<InklessUnknownEvent>(event)
if (isInklessEventName(unknownEvent.event)) expectType<InklessEventName>(unknownEvent.event)

expectType<'onDocumentSigningLinkSent'>(
  null as unknown as CallbackName<'document_signing_link_sent'>,
)
expectType<'onOtpVerified'>(null as unknown as CallbackName<'otp_verified'>)
expectType<'onEmailBounced'>(null as unknown as CallbackName<'email_bounced'>)
// @ts-expect-error: not a known event
expectAssignable<string>(null as unknown as CallbackName<'document_voided'>)

expectType<boolean>(verifySignature('{}', 'sig', 'secret'))
expectType<boolean>(verifySignature(new Uint8Array(), undefined, ['old', 'new']))
expectError(verifySignature('{}', 'sig', 42))
expectType<string>(signPayload('{}', 'secret'))
expectType<string>(signPayload(new Uint8Array(), 'secret'))
expectError(signPayload('{}', ['secret']))
expectError(signPayload({}, 'secret'))

const parsed = parseEvent('{}')
expectType<ParseResult>(parsed)
expectError(parsed.reason)
if (parsed.ok) {
  expectError(parsed.reason)
  if (parsed.kind === 'event') {
    expectType<InklessEvent>(parsed.event)
  } else if (parsed.kind === 'unknown-event') {
    expectType<InklessUnknownEvent>(parsed.event)
  } else {
    expectType<'verification'>(parsed.kind)
    expectType<InklessVerificationRequest>(parsed.verification)
    expectType<string>(parsed.verification.verification_secret)
  }
} else {
  expectType<string>(parsed.reason)
  expectError(parsed.kind)
}

const webhooks = createInklessWebhooks({
  secret: 'whsec',
  onDocumentSigningLinkSent: (e) => expectType<'document_signing_link_sent'>(e.event),
  onLinkViewed: (e) => expectType<'link_viewed'>(e.event),
  onLinkResent: (e) => expectType<'link_resent'>(e.event),
  onOtpSent: (e) => expectType<'otp_sent'>(e.event),
  onOtpVerified: (e) => expectType<'otp_verified'>(e.event),
  onDocumentSigned: (e, context) => {
    expectType<'document_signed'>(e.event)
    expectType<InklessEventOf<'document_signed'>>(e)
    expectType<DeliveryContext>(context)
  },
  onDocumentComplete: (e) => expectType<'document_complete'>(e.event),
  onEnvelopeComplete: (e) => expectType<'envelope_complete'>(e.event),
  onSmsSent: (e) => expectType<'sms_sent'>(e.event),
  onSmsDelivered: (e) => expectType<'sms_delivered'>(e.event),
  onSmsFailed: (e) => expectType<'sms_failed'>(e.event),
  onEmailDelivered: (e) => expectType<'email_delivered'>(e.event),
  onEmailOpened: (e) => expectType<'email_opened'>(e.event),
  onEmailClicked: (e) => expectType<'email_clicked'>(e.event),
  onEmailBounced: (e) => expectType<'email_bounced'>(e.event),
  onEmailRejected: async (e) => expectType<'email_rejected'>(e.event),
  onEvent: (e) => expectType<InklessEvent>(e),
  onUnknownEvent: (e) => expectType<InklessUnknownEvent>(e),
  onVerification: (request, context) => {
    expectType<InklessVerificationRequest>(request)
    expectType<HeaderSource>(context.headers)
    return false
  },
  onError: (error, context) => {
    expectType<InklessError>(error)
    // `code` without a cast, and it tells the two apart.
    expectType<InklessErrorCode | 'handler_failed'>(error.code)
    if (error.code === 'handler_failed') expectType<InklessHandlerError>(error)
    else expectType<InklessWebhookError>(error)
    expectType<ErrorContext>(context)
    expectType<InklessEvent | InklessUnknownEvent | undefined>(context.event)
  },
})
expectType<InklessWebhooks>(webhooks)

type HandlerEvents = {
  [N in InklessEventName]: Parameters<NonNullable<EventCallbacks[CallbackName<N>]>>[0]['event']
}
declare const handlerEvents: HandlerEvents
expectType<{ [N in InklessEventName]: N }>(handlerEvents)
expectType<CallbackName<InklessEventName>>(null as unknown as keyof EventCallbacks)

expectError(createInklessWebhooks({ onDocumentCompleted: () => {} }))
expectError(createInklessWebhooks({ onDocumentSigned: (e: InklessEventOf<'link_viewed'>) => e }))

expectType<() => void>(
  webhooks.on('document_signed', (e) => expectType<'document_signed'>(e.event)),
)
expectError(webhooks.on('document_voided', () => {}))
expectError(webhooks.on(['document_signed', 'document_voided'], () => {}))
webhooks.on(['document_signed', 'document_complete'], (e, context) => {
  expectType<'document_signed' | 'document_complete'>(e.event)
  expectType<DeliveryContext>(context)
})
webhooks.onAny((e) => expectType<InklessEvent>(e))
const listener = (e: InklessEventOf<'otp_sent'>) => e
webhooks.off('otp_sent', listener)
expectError(webhooks.off('link_viewed', listener))

const response = webhooks.handle({ method: 'POST', headers: {}, rawBody: '{}' })
expectType<Promise<InklessResponse>>(response)
expectType<number>((await response).status)
expectType<Promise<void>>(webhooks.idle())
expectError(webhooks.handle({ method: 'POST', headers: {}, rawBody: 42 }))

createInklessWebhooks()
createInklessWebhooks({ secret: ['old', 'new'] })
createInklessWebhooks({ secret: ['old', 'new'] as const })
expectError(createInklessWebhooks({ secret: 42 }))
expectError(createInklessWebhooks({ secret: [42] }))

createInklessWebhooks({ respond: 'after-handlers' })
createInklessWebhooks({ respond: 'immediately' })
expectType<'after-handlers' | 'immediately' | undefined>(
  null as unknown as InklessWebhooksOptions['respond'],
)
expectError(createInklessWebhooks({ respond: 'later' }))

createInklessWebhooks({ dedupe: false })
createInklessWebhooks({ dedupe: createMemoryDedupeStore({ maxEntries: 100, ttlMs: 1000 }) })
expectType<DedupeStore>(createMemoryDedupeStore())
expectAssignable<DedupeStore>({
  claim: async () => 'claimed' as const,
  complete: async () => {},
  release: () => {},
})
expectError(createInklessWebhooks({ dedupe: true }))
expectNotAssignable<InklessWebhooksOptions['dedupe']>(true)

// One endpoint for many Inkless accounts: the tenant names whose secret verifies the request.
createInklessWebhooks({
  tenant: (request) => {
    expectType<InklessRequest>(request)
    return request.url?.split('/')[2]
  },
  secret: async (tenant) => {
    expectType<string>(tenant)
    return tenant === 'acme' ? ['whsec_old', 'whsec_new'] : undefined
  },
  secretCacheMs: 30_000,
  secretLookupTimeoutMs: 2_000,
  unknownTenant: 'invalid-signature',
  onDocumentSigned: (_e, context) => expectType<string | undefined>(context.tenant),
  onError: (_error, context) => expectType<string | undefined>(context.tenant),
})
createInklessWebhooks({ tenant: () => 'acme', secret: (tenant) => `whsec_${tenant}` })
expectError(
  createInklessWebhooks({ tenant: () => 'acme', secret: (tenant: number) => `${tenant}` }),
)
expectError(
  createInklessWebhooks({ tenant: () => 'acme', secret: (_tenant: string, url: string) => url }),
)
expectError(createInklessWebhooks({ tenant: () => 'acme', secret: async () => 42 }))
// The lookup is handed the tenant only: one that wants the request does not type-check.
expectError(
  createInklessWebhooks({
    tenant: () => 'acme',
    secret: (tenant: string, request: InklessRequest) => `${tenant}${request.url}`,
  }),
)
// The tenant's own id, used for dedupe keys, job ids and the context.
createInklessWebhooks({
  tenant: () => 'ACME',
  secret: async (tenant) => ({ id: tenant.toLowerCase(), secret: ['whsec_old', 'whsec_new'] }),
})
expectAssignable<SecretLookup>(() => ({ id: 'acme', secret: 'whsec' }))
expectAssignable<TenantSecrets>(undefined)
expectError(createInklessWebhooks({ tenant: () => 'acme', secret: () => ({ id: 1, secret: 's' }) }))
expectError(createInklessWebhooks({ tenant: () => 'acme', secret: () => ({ secret: 's' }) }))
expectError(createInklessWebhooks({ unknownTenant: 401 }))
expectError(createInklessWebhooks({ secretLookupTimeoutMs: '5s' }))
expectError(createInklessWebhooks({ tenant: () => 42 }))
expectError(createInklessWebhooks({ secretCacheMs: '1m' }))

// Logs: pino (and Fastify's request.log) as they are. Telemetry: the API module itself.
createInklessWebhooks({ logger: pino() })
expectError(createInklessWebhooks({ logger: { error: () => {} } }))
createInklessWebhooks({ telemetry: false })
createInklessWebhooks({ telemetry: { api: otel } })
// The option's types can be named.
const telemetry: TelemetryOption = { api: otel }
const otelApi: OpenTelemetryApi = otel
createInklessWebhooks({ telemetry: { api: otelApi } })
expectType<TelemetryOption | false | undefined>(
  null as unknown as InklessWebhooksOptions['telemetry'],
)
expectAssignable<InklessWebhooksOptions>({ telemetry })
expectNotAssignable<OpenTelemetryApi>({ trace: {} })
// So can a request's body.
expectType<BodySource>(null as unknown as InklessRequest['rawBody'])
expectType<AdapterBodySource>(null as unknown as BodySource)
expectAssignable<BodySource>(new Uint8Array())
expectAssignable<BodySource>('{}')
expectAssignable<BodySource>(new ReadableStream<Uint8Array>())
expectNotAssignable<BodySource>(42)
expectType<MaybePromise<number>>(null as unknown as number | Promise<number>)
expectError(createInklessWebhooks({ telemetry: true }))
expectError(createInklessWebhooks({ telemetry: { api: {} } }))
expectError(createInklessWebhooks({ telemetry: otel }))

declare const queued: QueuedDelivery
expectType<string | undefined>(queued.traceparent)

// The body limits in force, read by adapters that bound their lingering close by them.
const limited = createInklessWebhooks({ maxBodyBytes: 1024 })
expectType<BodyLimits>(limited.limits)
expectType<number>(limited.limits.maxBodyBytes)
expectType<number>(limited.limits.bodyTimeoutMs)
expectError(() => {
  limited.limits.maxBodyBytes = 1
})

// The codes of counted reports an operator filters on.
expectAssignable<InklessErrorCode>('signature_rejected')
expectAssignable<InklessErrorCode>('tenant_failed')
expectAssignable<InklessErrorCode>('secret_lookup_failed')
expectNotAssignable<InklessErrorCode>('signature_forged')

// wholeBody: a one-call read (a Request's arrayBuffer()) as a request's body.
const whole = wholeBody(() =>
  new Request('http://x/', { method: 'POST', body: '{}' }).arrayBuffer(),
)
expectType<AsyncIterable<Uint8Array>>(whole)
expectAssignable<BodySource>(whole)
expectAssignable<InklessRequest>({ method: 'POST', headers: {}, rawBody: whole })
expectError(wholeBody(async () => '{}'))
// The read is given the size limit, and a stop for the deadline (raw-body over a Node stream).
declare const stream: NodeJS.ReadableStream
expectType<AsyncIterable<Uint8Array>>(
  wholeBody(
    (limit: number) => Promise.resolve(new Uint8Array(limit)),
    () => stream.pause(),
  ),
)
expectError(wholeBody((limit: string) => Promise.resolve(new Uint8Array(limit.length))))

// A store whose claims bring listener context: the extras are typed in every listener.
declare const transactional: DedupeStore<{ readonly tx: { run(sql: string): Promise<void> } }>
const withContext = createInklessWebhooks({
  dedupe: transactional,
  onDocumentSigned: async (_event, { tx, dedupeKey }) => {
    expectType<string>(dedupeKey)
    await tx.run('update …')
  },
})
withContext.on('envelope_complete', (_event, context) =>
  expectType<DeliveryContextWith<{ readonly tx: { run(sql: string): Promise<void> } }>>(context),
)
type Tx = { readonly tx: { run(sql: string): Promise<void> } }
declare const claimedEvent: InklessUnknownEvent
expectType<ClaimResult | ContextClaim<Tx> | Promise<ClaimResult | ContextClaim<Tx>>>(
  transactional.claim('k', { event: claimedEvent, tenant: 'acme' }),
)
expectError(createInklessWebhooks({ onDocumentSigned: (_event, { tx }) => tx }))

// The shared option check and deadline of the adapter seam.
expectType<number>(positiveOption('maxInFlight', undefined, 1000, { integer: true }))
expectError(positiveOption('maxInFlight', '5', 1000))
expectType<Promise<string>>(withDeadline(Promise.resolve('ok'), 5, () => new Error('late')))
// A renamed option: a number with a fallback, possibly undefined without one.
expectType<number>(renamedOption({}, 'ttlMs', 'ttlSeconds', 1000, { aliasInSeconds: true }))
expectType<number | undefined>(renamedOption({}, 'toleranceMs', 'toleranceSeconds', undefined))
expectError(renamedOption({}, 'ttlMs', 'ttlSeconds', 1000, { aliasInMinutes: true }))

// Durations in ms (toleranceMs); the old name in seconds is deprecated but still typed.
createInklessWebhooks({ toleranceMs: 300_000 })
createInklessWebhooks({ toleranceSeconds: 300 })
expectError(createInklessWebhooks({ toleranceMs: '300000' }))
expectError(createInklessWebhooks({ toleranceMS: 300_000 }))
expectError(createInklessWebhooks({ tolerance: 300_000 }))
declare const coreOptions: InklessWebhooksOptions
expectNotDeprecated(coreOptions.toleranceMs)
expectDeprecated(coreOptions.toleranceSeconds)

// constructEvent: verify, parse, return the typed event or throw; …Async on every runtime.
const constructed = constructEvent('{}', 'sig', 'whsec_x', { toleranceMs: 300_000 })
expectType<ConstructedEvent>(constructed)
expectType<InklessEvent | InklessUnknownEvent>(constructed)
if (isInklessEventName(constructed.event)) expectType<string>(constructed.document_token)
expectType<Promise<ConstructedEvent>>(constructEventAsync(new Uint8Array(), 'sig', ['a', 'b']))
expectType<Promise<ConstructedEvent>>(webCore.constructEventAsync('{}', 'sig', 'whsec_x'))
expectType<ConstructedEvent>(webCore.constructEvent('{}', 'sig', 'whsec_x'))
expectError(constructEvent('{}', 'sig'))
expectError(constructEvent('{}', 'sig', 'whsec_x', { toleranceMs: '300' }))
expectError(constructEvent('{}', 'sig', 'whsec_x', { toleranceMS: 300_000 }))
declare const constructEventOptions: ConstructEventOptions
expectNotDeprecated(constructEventOptions.toleranceMs)
expectDeprecated(constructEventOptions.toleranceSeconds)
const constructOptions: ConstructEventOptions = { now: () => 0 }
expectAssignable<ConstructEventOptions>(constructOptions)

// A store that adds to the listeners' context makes an instance that is not an
// `InklessWebhooks` (its listeners need the extras); every one is an `AnyInklessWebhooks`,
// what the adapters accept.
declare const withStoreContext: InklessWebhooks<{ db: { query(sql: string): Promise<unknown> } }>
expectNotAssignable<InklessWebhooks>(withStoreContext)
expectAssignable<AnyInklessWebhooks>(withStoreContext)
expectAssignable<AnyInklessWebhooks>(createInklessWebhooks())
