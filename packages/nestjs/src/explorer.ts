import type { InklessEvent, InklessEventName } from '@inkless-webhooks/core'
import { Inject, Injectable } from '@nestjs/common'
import { DiscoveryService, MetadataScanner } from '@nestjs/core'
import { INKLESS_EVENT_METADATA, type InklessEventSelector } from './decorator.js'

/**
 * What handlers are added to: a receiver's core instance, or a queue package's worker. The
 * handlers take whichever context it passes, so `fn` is typed for any of them.
 */
export interface ListenerTarget {
  /** Adds a listener for these event names. */
  on(name: readonly InklessEventName[], fn: never): unknown
  /** Adds a listener for every known event. */
  onAny(fn: never): unknown
}

/**
 * Finds the `@OnInklessEvent` methods of every provider and controller and adds each one as a
 * listener of `target` (a receiver's core instance or a queue worker), bound to its instance.
 */
@Injectable()
export class InklessHandlerExplorer {
  // Explicit tokens: the injection does not depend on how the package was compiled.
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  register(target: ListenerTarget): number {
    let count = 0
    // Controllers too: Nest users put handlers there, and a decorated method skipped in silence
    // is a lost event.
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      // The class, not the instance: a request-scoped or transient provider or controller has
      // no single instance, and its handlers must fail the bootstrap rather than be skipped.
      const metatype: unknown = wrapper.metatype
      const instance: unknown = wrapper.instance
      const prototype =
        instance !== null && typeof instance === 'object'
          ? (Object.getPrototypeOf(instance) as object)
          : typeof metatype === 'function'
            ? (metatype.prototype as object | undefined)
            : undefined
      if (!prototype) continue
      for (const key of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[key] as (
          ...args: unknown[]
        ) => unknown
        const selector = Reflect.getMetadata(INKLESS_EVENT_METADATA, method) as
          | InklessEventSelector
          | undefined
        if (selector === undefined) continue
        const name = prototype.constructor.name
        const label = `${name}.${key}`
        if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient || !instance) {
          throw new Error(
            `inkless-webhooks: @OnInklessEvent on ${label}: ${name} is request-scoped or transient (or depends on such a provider); handlers must be on singleton providers or controllers, as no request exists when an event is dispatched.`,
          )
        }
        // Named after the method, so that logs and reports say which handler failed.
        const handler = {
          [label]: (event: InklessEvent, context: unknown) => method.call(instance, event, context),
        }[label] as never
        if (selector === '*') target.onAny(handler)
        else target.on(selector, handler)
        count++
      }
    }
    return count
  }
}
