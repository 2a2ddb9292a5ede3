/**
 * NestJS module for Inkless webhooks: `InklessWebhooksModule.forRoot({ path, secret })` and
 * `@OnInklessEvent('document_signed')` on the methods of your providers or controllers.
 *
 * @module @inkless-webhooks/nestjs
 */

// The types a handler's parameters take, so that an app imports them from one place.
export type {
  DeliveryContext,
  InklessEvent,
  InklessEventName,
  InklessEventOf,
  InklessWebhooks,
} from '@inkless-webhooks/core'
export {
  INKLESS_EVENT_METADATA,
  type InklessEventMethodDecorator,
  type InklessEventSelector,
  OnInklessEvent,
} from './decorator.js'
export type { ListenerTarget } from './explorer.js'
export {
  INKLESS_WEBHOOKS,
  InklessWebhooksModule,
  type InklessWebhooksModuleAsyncOptions,
  type InklessWebhooksModuleExtras,
  type InklessWebhooksModuleForRootOptions,
  type InklessWebhooksModuleOptions,
} from './module.js'
export {
  type InklessWorkerLike,
  InklessWorkerModule,
  type InklessWorkerModuleAsyncOptions,
  type InklessWorkerModuleOptions,
} from './worker-module.js'
