/**
 * The fields every event carries (Inkless sends the same shape for all); what each event
 * means and when it fires is on {@link InklessEventMap}.
 */
export interface InklessEventPayload<N extends string = string> {
  /** The event name, e.g. `document_signed`. */
  readonly event: N
  /**
   * The document the event is about. Pass it to Inkless's `download_signed` or
   * `download_archive` API once the document is complete.
   */
  readonly document_token: string
  /**
   * When the event fired, ISO 8601 in UTC, e.g. `2026-03-11T23:25:31Z`. Inkless's retries
   * carry the original time.
   */
  readonly timestamp: string
  /**
   * The secure link (one recipient's signing link) the event is about, where one applies;
   * absent or null otherwise. Match it with the `secure_link_id` values `POST /api/send_link`
   * returned to know which recipient it was.
   */
  readonly secure_link_id?: number | null
  /** Fields Inkless may add later are kept as they arrived. */
  readonly [extra: string]: unknown
}

/**
 * Every event Inkless delivers, by name: when it fires and what it carries. The one place an
 * event is described: {@link InklessEventName}, {@link INKLESS_EVENT_INFO} (the runtime list)
 * and the `on…` callbacks must then follow, or core does not compile. Each one carries
 * `event`, `document_token` and `timestamp`, and `secure_link_id` where a recipient's link
 * applies ({@link InklessEventPayload}). Deliveries are queued on Inkless's side, so they may
 * arrive out of order, and a delivery answered with anything but a 2xx is retried.
 */
export interface InklessEventMap {
  /**
   * A signing link was sent to a recipient. `secure_link_id` is that recipient's link;
   * `document_token` the document to sign.
   */
  document_signing_link_sent: InklessEventPayload<'document_signing_link_sent'>
  /** A recipient opened their signing link. `secure_link_id` says whose link it was. */
  link_viewed: InklessEventPayload<'link_viewed'>
  /** A signing link was sent again. `secure_link_id` is the link that was resent. */
  link_resent: InklessEventPayload<'link_resent'>
  /**
   * A one-time passcode was sent by SMS for a signing session. `secure_link_id` is the link
   * of the recipient who has to enter it.
   */
  otp_sent: InklessEventPayload<'otp_sent'>
  /** A recipient entered their one-time passcode correctly. `secure_link_id` is their link. */
  otp_verified: InklessEventPayload<'otp_verified'>
  /**
   * One recipient signed the document. Fires once per signer, so an envelope with three
   * signers sends three (in signing order, when there is one). `secure_link_id` says who
   * signed: the link `POST /api/send_link` returned for them. Not the moment to download:
   * wait for `document_complete`.
   */
  document_signed: InklessEventPayload<'document_signed'>
  /**
   * The document has finished processing and its archive (the signed PDF) is ready: download
   * it now with `document_token` (`download_signed`, `download_archive`); before this event
   * it may still be processing. About the whole document, so no one recipient's
   * `secure_link_id` applies.
   */
  document_complete: InklessEventPayload<'document_complete'>
  /**
   * Every document in the envelope is signed and processed. The final event of an envelope:
   * use it to trigger downstream work (mark the deal signed, notify, fetch the envelope
   * archive). `document_token` names the document; no one recipient's `secure_link_id`
   * applies.
   */
  envelope_complete: InklessEventPayload<'envelope_complete'>
  /** The SMS provider accepted a message for a recipient (`secure_link_id` where applicable). */
  sms_sent: InklessEventPayload<'sms_sent'>
  /** An SMS was reported delivered to the recipient's phone. */
  sms_delivered: InklessEventPayload<'sms_delivered'>
  /** An SMS could not be delivered. */
  sms_failed: InklessEventPayload<'sms_failed'>
  /** An email was reported delivered (`secure_link_id` where applicable). */
  email_delivered: InklessEventPayload<'email_delivered'>
  /** A recipient opened an email. */
  email_opened: InklessEventPayload<'email_opened'>
  /** A recipient clicked a link in an email. */
  email_clicked: InklessEventPayload<'email_clicked'>
  /** An email bounced. */
  email_bounced: InklessEventPayload<'email_bounced'>
  /** The receiving mail server refused an email. */
  email_rejected: InklessEventPayload<'email_rejected'>
}

/** What is known of each event beyond its name and payload. */
export interface InklessEventInfo {
  /**
   * True when the event is about one recipient and carries their link's `secure_link_id`;
   * false for events about the whole document or envelope.
   */
  readonly recipient: boolean
}

/** One of the event names Inkless delivers (the keys of {@link InklessEventMap}), e.g. `'document_signed'`. */
export type InklessEventName = keyof InklessEventMap

const RECIPIENT: InklessEventInfo = Object.freeze({ recipient: true })
const WHOLE: InklessEventInfo = Object.freeze({ recipient: false })

/**
 * Every event of {@link InklessEventMap}, in lifecycle order, with what is known of it: the
 * runtime list that {@link INKLESS_EVENTS}, the `on…` callbacks and the testing kit's
 * fixtures derive from. It does not compile without every event of the map, and nothing else.
 */
export const INKLESS_EVENT_INFO: { readonly [N in InklessEventName]: InklessEventInfo } =
  Object.freeze({
    document_signing_link_sent: RECIPIENT,
    link_viewed: RECIPIENT,
    link_resent: RECIPIENT,
    otp_sent: RECIPIENT,
    otp_verified: RECIPIENT,
    document_signed: RECIPIENT,
    document_complete: WHOLE,
    envelope_complete: WHOLE,
    sms_sent: RECIPIENT,
    sms_delivered: RECIPIENT,
    sms_failed: RECIPIENT,
    email_delivered: RECIPIENT,
    email_opened: RECIPIENT,
    email_clicked: RECIPIENT,
    email_bounced: RECIPIENT,
    email_rejected: RECIPIENT,
  } satisfies Record<InklessEventName, InklessEventInfo>)

/** Every event name Inkless delivers, in lifecycle order (the keys of {@link INKLESS_EVENT_INFO}). */
export const INKLESS_EVENTS: readonly InklessEventName[] = Object.freeze(
  // Object.keys is typed string[]; the keys of INKLESS_EVENT_INFO are exactly the names.
  Object.keys(INKLESS_EVENT_INFO) as InklessEventName[],
)

/**
 * The payload of one event, e.g. `InklessEventOf<'document_signed'>` (the same type as
 * `InklessEventMap['document_signed']`).
 */
export type InklessEventOf<N extends InklessEventName> = InklessEventPayload<N>

/** A verified event with a known name, discriminated by `event`. */
export type InklessEvent = { [N in InklessEventName]: InklessEventOf<N> }[InklessEventName]

/** A verified event whose name is not (yet) known. */
export type InklessUnknownEvent = InklessEventPayload<string>

/**
 * The handshake Inkless sends when a webhook URL is saved in Company Settings. It is not
 * signed; core answers it with `verification_secret`.
 */
export interface InklessVerificationRequest {
  /** The token the endpoint must answer with, exactly, as `text/plain` with status 200. */
  readonly verification_secret: string
  /** `inkless`. */
  readonly provider?: string
  /** The id of the webhook configuration being saved. */
  readonly webhook_id?: number
  /** When the handshake was sent, ISO 8601. */
  readonly timestamp?: string
  /** Fields Inkless may add later are kept as they arrived. */
  readonly [extra: string]: unknown
}

/** `document_signed` → `DocumentSigned`: how callback names are made from event names. */
export type PascalCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Capitalize<Head>}${PascalCase<Tail>}`
  : Capitalize<S>

/** `document_signed` → `onDocumentSigned` */
export type CallbackName<N extends InklessEventName> = `on${PascalCase<N>}`

export const callbackName = <N extends InklessEventName>(name: N): CallbackName<N> =>
  `on${name.replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase())}` as CallbackName<N>

const eventNames: ReadonlySet<string> = new Set(INKLESS_EVENTS)

/** True when `name` is a known event name (narrows it to {@link InklessEventName}). */
export const isInklessEventName = (name: unknown): name is InklessEventName =>
  typeof name === 'string' && eventNames.has(name)
