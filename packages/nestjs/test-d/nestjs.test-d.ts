import type {
  DeliveryContext,
  InklessEvent,
  InklessEventOf,
  ListenerMethods,
} from '@inkless-webhooks/core'
import {
  INKLESS_EVENT_METADATA,
  INKLESS_WEBHOOKS,
  type InklessEventMethodDecorator,
  InklessWebhooksModule,
  type InklessWebhooksModuleOptions,
  type InklessWorkerLike,
  InklessWorkerModule,
  OnInklessEvent,
} from '@inkless-webhooks/nestjs'
import type { DynamicModule } from '@nestjs/common'
import { expectAssignable, expectError, expectType } from 'tsd'

// forRoot takes every core option beside `path`; forRootAsync the usual Nest shape.
expectType<DynamicModule>(
  InklessWebhooksModule.forRoot({
    path: '/webhooks/inkless',
    secret: 'whsec',
    maxBodyBytes: 65_536,
    dedupe: false,
    onError: (error) => error.message,
    isGlobal: true,
  }),
)
expectType<DynamicModule>(
  InklessWebhooksModule.forRootAsync({
    inject: ['CONFIG'],
    useFactory: (config: { secret: string }) => ({ path: '/webhook', secret: config.secret }),
  }),
)
// `path` is required, and misspelt core options are refused.
expectError(InklessWebhooksModule.forRoot({ secret: 'whsec' }))
expectError(InklessWebhooksModule.forRoot({ path: '/webhook', sceret: 'whsec' }))
expectAssignable<InklessWebhooksModuleOptions>({ path: '/w', respond: 'immediately' })
expectType<'INKLESS_WEBHOOKS'>(INKLESS_WEBHOOKS)
expectType<'inkless-webhooks:events'>(INKLESS_EVENT_METADATA)

// The name decides the event type the method must accept.
expectType<InklessEventMethodDecorator<InklessEventOf<'document_signed'>>>(
  OnInklessEvent('document_signed'),
)
expectType<InklessEventMethodDecorator<InklessEventOf<'sms_failed' | 'email_bounced'>>>(
  OnInklessEvent(['sms_failed', 'email_bounced']),
)
expectType<InklessEventMethodDecorator<InklessEvent>>(OnInklessEvent('*'))
// A misspelt name, or no name at all, does not compile.
expectError(OnInklessEvent('document_sigend'))
expectError(OnInklessEvent(['sms_failed', 'sms_faild']))
expectError(OnInklessEvent([]))

class Handlers {
  @OnInklessEvent('document_signed')
  onSigned(event: InklessEventOf<'document_signed'>, context: DeliveryContext) {
    expectType<'document_signed'>(event.event)
    expectType<string>(context.dedupeKey)
  }

  // A handler may take a wider type than the names give…
  @OnInklessEvent(['sms_failed', 'email_bounced'])
  onProblem(event: InklessEvent) {
    return event.document_token
  }

  @OnInklessEvent('*')
  async onAny(event: InklessEvent) {
    await Promise.resolve(event.event)
  }

  @OnInklessEvent('document_complete')
  noParameters() {}
}

// …but not a narrower or other one: the decorator does not compile on these methods.
const signedOnly = OnInklessEvent('document_complete')
const handlers = new Handlers()
expectError(
  signedOnly(Handlers.prototype, 'onSigned', {
    value: handlers.onSigned,
  }),
)
expectError(
  OnInklessEvent('*')(Handlers.prototype, 'onSigned', {
    value: handlers.onSigned,
  }),
)
expectError(
  OnInklessEvent(['document_signed', 'link_viewed'])(Handlers.prototype, 'onSigned', {
    value: handlers.onSigned,
  }),
)

// The worker module takes any queue package's worker: listeners plus close().
declare const worker: ListenerMethods<DeliveryContext & { attempt: number }> & {
  close(): Promise<void>
}
expectType<DynamicModule>(InklessWorkerModule.forRoot({ createWorker: () => worker }))
expectType<DynamicModule>(
  InklessWorkerModule.forRootAsync({
    inject: ['REDIS'],
    useFactory: (_redis: string) => ({ createWorker: () => worker }),
  }),
)
expectAssignable<InklessWorkerLike>(worker)
expectError(InklessWorkerModule.forRoot({}))
expectError(InklessWorkerModule.forRoot({ createWorker: () => ({ on: worker.on }) }))
