import { type Queryable, rowsOf } from './queryable.js'
import type { QualifiedNames } from './schema.js'

/**
 * The statuses a document moves through, in order; an event not named here (emails, SMS,
 * OTPs, a resent link) leaves the status where it is. Forward only: a status is replaced
 * only by a later one, so `envelope_complete` is final and a signed document never goes back
 * to `link_viewed`, whatever order the deliveries arrive in.
 */
export const DOCUMENT_STATUSES = [
  'document_signing_link_sent',
  'link_viewed',
  'document_signed',
  'document_complete',
  'envelope_complete',
] as const

/** A document's furthest status: the name of the furthest lifecycle event recorded for it. */
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number]

/** What recording an event told about its document, inside the delivery's transaction. */
export interface DocumentOrder {
  /**
   * An event of this document with a later `timestamp` was already recorded: this delivery
   * arrived out of order. Its listeners still run (nothing is dropped); skip overwriting
   * newer state.
   */
  readonly stale: boolean
  /** The document's furthest status with this event counted; undefined before any lifecycle event. */
  readonly documentStatus: DocumentStatus | undefined
}

/** The fields of an event the order needs. */
export interface OrderedEvent {
  /** The event name: a lifecycle event moves the status, any other leaves it. */
  readonly event: string
  /** The document the event is about. */
  readonly document_token: string
  /** When the event fired (ISO 8601): orders it against the document's other events. */
  readonly timestamp: string
}

const rankOf = (event: string) => DOCUMENT_STATUSES.indexOf(event as DocumentStatus) + 1

/**
 * Records an event against its document (in the caller's transaction; the row stays locked
 * until it ends, so two deliveries of one document are ordered): the newest event time and
 * the forward-only status. An event without a parsable timestamp or a document token only
 * reads the status.
 */
export async function recordDocument(
  db: Queryable,
  names: QualifiedNames,
  event: OrderedEvent,
  tenant: string | undefined,
): Promise<DocumentOrder> {
  const at = Date.parse(event.timestamp)
  if (Number.isNaN(at) || event.document_token === '')
    return { stale: false, documentStatus: undefined }
  const rank = rankOf(event.event)
  const rows = await rowsOf<{ status: DocumentStatus | null; stale: boolean }>(
    db.query(
      `INSERT INTO ${names.documents} AS d
  (tenant, document_token, status, status_rank, latest_event, latest_event_at)
VALUES ($1, $2, $3, $4::smallint, $5, $6::timestamptz)
ON CONFLICT (tenant, document_token) DO UPDATE SET
  status = CASE WHEN excluded.status_rank > d.status_rank THEN excluded.status ELSE d.status END,
  status_rank = greatest(d.status_rank, excluded.status_rank),
  latest_event = CASE WHEN excluded.latest_event_at > d.latest_event_at
    THEN excluded.latest_event ELSE d.latest_event END,
  latest_event_at = greatest(d.latest_event_at, excluded.latest_event_at)
RETURNING status, latest_event_at > $6::timestamptz AS stale`,
      [
        tenant ?? '',
        event.document_token,
        rank === 0 ? null : event.event,
        rank,
        event.event,
        new Date(at).toISOString(),
      ],
    ),
  )
  const row = rows[0]
  return { stale: row?.stale === true, documentStatus: row?.status ?? undefined }
}
