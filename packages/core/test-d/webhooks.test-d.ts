import {
  type CallbackName,
  createInklessWebhooks,
  createMemoryDedupeStore,
  type DedupeStore,
  type DeliveryContext,
  type ErrorContext,
  type EventCallbacks,
  type HeaderSource,
  type InklessEvent,
  type InklessEventName,
  type InklessEventOf,
  type InklessResponse,
  type InklessUnknownEvent,
  type InklessVerificationRequest,
  type InklessWebhooks,
  type InklessWebhooksOptions,
  toInklessWebhooks,
} from '@inkless-webhooks/core'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'

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
    expectType<Error>(error)
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

expectType<InklessWebhooks>(toInklessWebhooks(webhooks))
expectType<InklessWebhooks>(toInklessWebhooks({ secret: 'whsec' }))
expectType<InklessWebhooks>(toInklessWebhooks(undefined))
