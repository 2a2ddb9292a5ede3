import {
  type CallbackName,
  callbackName,
  INKLESS_EVENTS,
  type InklessEvent,
  type InklessEventName,
  type InklessEventOf,
  type InklessUnknownEvent,
  type InklessVerificationRequest,
  isInklessEventName,
  type ParseResult,
  parseEvent,
  signPayload,
  verifySignature,
} from '@inkless-webhooks/core'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'

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

expectType<
  readonly [
    'document_signing_link_sent',
    'link_viewed',
    'link_resent',
    'otp_sent',
    'otp_verified',
    'document_signed',
    'document_complete',
    'envelope_complete',
    'sms_sent',
    'sms_delivered',
    'sms_failed',
    'email_delivered',
    'email_opened',
    'email_clicked',
    'email_bounced',
    'email_rejected',
  ]
>(INKLESS_EVENTS)
expectType<16>(INKLESS_EVENTS.length)
expectError(INKLESS_EVENTS.push('link_viewed'))
expectError((INKLESS_EVENTS[0] = 'link_viewed'))

declare const signed: InklessEventOf<'document_signed'>
expectType<'document_signed'>(signed.event)
expectType<string>(signed.document_token)
expectType<string>(signed.timestamp)
expectType<number | null | undefined>(signed.secure_link_id)
expectType<unknown>(signed.signer_email)
expectError((signed.event = 'document_signed'))
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

expectType<'onDocumentSigningLinkSent'>(callbackName('document_signing_link_sent'))
expectType<'onOtpVerified'>(callbackName('otp_verified'))
expectType<'onEmailBounced'>(null as unknown as CallbackName<'email_bounced'>)
expectError(callbackName('document_voided'))

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
