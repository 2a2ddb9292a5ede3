import type { InklessEvent, InklessEventName, InklessEventOf } from '@inkless-webhooks/core'
import type {} from 'reflect-metadata'

/** The metadata key `@OnInklessEvent` sets on a method: the event names it handles, or `'*'`. */
export const INKLESS_EVENT_METADATA = 'inkless-webhooks:events'

/**
 * What `@OnInklessEvent(…)` returns: a method decorator that accepts only methods whose first
 * parameter takes the events named (so a handler typed for another event does not compile).
 * The second parameter, when declared, is the delivery context (a `JobContext` in a queue worker).
 *
 * @typeParam M - The decorated method's type.
 */
export type InklessEventMethodDecorator<E> = <M extends (event: E, context: never) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void

/** The names one method handles: event names, or `'*'` for every known event. */
export type InklessEventSelector = readonly InklessEventName[] | '*'

/**
 * Runs the decorated method of a provider or controller for these Inkless events, found when the app
 * starts. `@OnInklessEvent('document_signed')`, `@OnInklessEvent(['sms_failed',
 * 'email_bounced'])`, or `@OnInklessEvent('*')` for every known event. Several methods may
 * handle one event: all run, and a throw answers 500 so that Inkless retries.
 */
export function OnInklessEvent<N extends InklessEventName>(
  name: N | readonly [N, ...N[]],
): InklessEventMethodDecorator<InklessEventOf<N>>
/** `@OnInklessEvent('*')`: every event with a known name, after the handlers of its name. */
export function OnInklessEvent(name: '*'): InklessEventMethodDecorator<InklessEvent>
export function OnInklessEvent(
  name: InklessEventName | readonly InklessEventName[] | '*',
): InklessEventMethodDecorator<never> {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object
    const before = Reflect.getMetadata(INKLESS_EVENT_METADATA, method) as
      | InklessEventSelector
      | undefined
    const added: InklessEventSelector =
      name === '*' ? '*' : typeof name === 'string' ? [name] : name
    // Stacked decorators add up; a catch-all wins.
    const selector =
      before === '*' || added === '*' ? '*' : [...new Set([...(before ?? []), ...added])]
    Reflect.defineMetadata(INKLESS_EVENT_METADATA, selector, method)
  }
}
