/** The 16 events Inkless delivers, in lifecycle order. */
export const INKLESS_EVENTS = [
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
] as const

export type InklessEventName = (typeof INKLESS_EVENTS)[number]

/** The payload shared by every event; `secure_link_id` is set where a secure link applies. */
export interface InklessEventPayload<N extends string = string> {
  readonly event: N
  readonly document_token: string
  readonly timestamp: string
  readonly secure_link_id?: number | null
  /** Fields Inkless may add later are kept as they arrived. */
  readonly [extra: string]: unknown
}

export type InklessEventOf<N extends InklessEventName> = InklessEventPayload<N>

/** A verified event with one of the 16 names, discriminated by `event`. */
export type InklessEvent = { [N in InklessEventName]: InklessEventOf<N> }[InklessEventName]

/** A verified event whose name is not (yet) among the 16. */
export type InklessUnknownEvent = InklessEventPayload<string>

/** The handshake Inkless sends when a webhook URL is saved. */
export interface InklessVerificationRequest {
  readonly verification_secret: string
  readonly provider?: string
  readonly webhook_id?: number
  readonly timestamp?: string
  readonly [extra: string]: unknown
}

type PascalCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Capitalize<Head>}${PascalCase<Tail>}`
  : Capitalize<S>

/** `document_signed` → `onDocumentSigned` */
export type CallbackName<N extends InklessEventName> = `on${PascalCase<N>}`

export const callbackName = <N extends InklessEventName>(name: N): CallbackName<N> =>
  `on${name.replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase())}` as CallbackName<N>

const eventNames: ReadonlySet<string> = new Set(INKLESS_EVENTS)

export const isInklessEventName = (name: unknown): name is InklessEventName =>
  typeof name === 'string' && eventNames.has(name)
