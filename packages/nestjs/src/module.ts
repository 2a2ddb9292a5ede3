import {
  createInklessWebhooks,
  type InklessWebhooks,
  type InklessWebhooksOptions,
} from '@inkless-webhooks/core'
import {
  type ConfigurableModuleAsyncOptions,
  ConfigurableModuleBuilder,
  type DynamicModule,
  Inject,
  Module,
  type OnModuleInit,
} from '@nestjs/common'
import { DiscoveryModule, DiscoveryService, HttpAdapterHost } from '@nestjs/core'
import { InklessHandlerExplorer, type ListenerTarget } from './explorer.js'
import { nestLogger } from './logger.js'
import { mountWebhookRoute } from './route.js'

/** Every option of `createInklessWebhooks`, plus the path of the webhook route. */
export interface InklessWebhooksModuleOptions extends InklessWebhooksOptions {
  /**
   * The route Inkless posts to, e.g. `/webhooks/inkless`: an absolute path, not under
   * `app.setGlobalPrefix()` (the route is mounted on the HTTP adapter, ahead of Nest's router).
   */
  path: string
}

/** Injects the module's core instance: `@Inject(INKLESS_WEBHOOKS) webhooks: InklessWebhooks`. */
export const INKLESS_WEBHOOKS = 'INKLESS_WEBHOOKS'

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<InklessWebhooksModuleOptions>({
    moduleName: 'InklessWebhooks',
  })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build()

/** Nest's `global`: the injection token {@link INKLESS_WEBHOOKS} then resolves in every module. */
export interface InklessWebhooksModuleExtras {
  /** Default false. */
  isGlobal?: boolean
}
/** What `InklessWebhooksModule.forRoot()` takes: the options, and `isGlobal`. */
export type InklessWebhooksModuleForRootOptions = InklessWebhooksModuleOptions &
  InklessWebhooksModuleExtras
/** What `InklessWebhooksModule.forRootAsync()` takes: `imports`, `inject`, `useFactory`… */
export type InklessWebhooksModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  InklessWebhooksModuleOptions,
  'create'
> &
  InklessWebhooksModuleExtras

function createWebhooks({ path, ...options }: InklessWebhooksModuleOptions): InklessWebhooks {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(
      `inkless-webhooks: \`path\` must be the webhook route's absolute path, e.g. '/webhooks/inkless' (got ${JSON.stringify(path)}).`,
    )
  }
  return createInklessWebhooks({ logger: nestLogger(), ...options })
}

/**
 * The Inkless webhook route of a Nest app: `InklessWebhooksModule.forRoot({ path, secret })`,
 * or `forRootAsync({ imports, inject, useFactory })`. Methods decorated with
 * `@OnInklessEvent` on any provider or controller handle the events; the route answers before guards,
 * interceptors and exception filters, which never see it.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: INKLESS_WEBHOOKS,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: createWebhooks,
    },
    InklessHandlerExplorer,
  ],
  exports: [INKLESS_WEBHOOKS],
})
export class InklessWebhooksModule implements OnModuleInit {
  private readonly checkRoute: () => void

  /** @internal Nest creates the module. */
  constructor(
    @Inject(INKLESS_WEBHOOKS) private readonly webhooks: InklessWebhooks,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: InklessWebhooksModuleOptions,
    // The explorer's one method: its class is not part of the API.
    @Inject(InklessHandlerExplorer)
    private readonly explorer: { register(target: ListenerTarget): number },
    @Inject(HttpAdapterHost) host: HttpAdapterHost,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
  ) {
    this.checkRoute = mountWebhookRoute(host, webhooks, options.path)
  }

  // The builder's module definitions, for this module (its class has no public name to
  // extend: a declaration extending it could not be named by users).
  /** Serves `options` (the path, the secret and every core option) on the app's HTTP adapter. */
  static forRoot(options: InklessWebhooksModuleForRootOptions): DynamicModule {
    return { ...ConfigurableModuleClass.forRoot(options), module: InklessWebhooksModule }
  }

  /** The same, with the options from `useFactory` (e.g. the secret from `ConfigService`). */
  static forRootAsync(options: InklessWebhooksModuleAsyncOptions): DynamicModule {
    return { ...ConfigurableModuleClass.forRootAsync(options), module: InklessWebhooksModule }
  }

  /**
   * At bootstrap: fails if the route cannot read bodies or another forRoot() is in the app,
   * then adds the decorated handlers.
   */
  onModuleInit(): void {
    this.checkRoute()
    this.checkAlone()
    // With a queue, the handlers run in the worker (InklessWorkerModule), not here.
    if (!this.options.queue) this.explorer.register(this.webhooks)
  }

  // Every forRoot() call is a module of its own (the builder gives each an id), even with the
  // same options: two would be two core instances, the first route shadowing a second on the
  // same path (and the listeners added to its INKLESS_WEBHOOKS), or two paths each running
  // every handler of the app. Neither is what two imports look like, so the bootstrap fails.
  private checkAlone(): void {
    const paths = this.discovery
      .getProviders()
      .filter((wrapper) => wrapper.metatype === InklessWebhooksModule && wrapper.instance)
      .map((wrapper) => (wrapper.instance as InklessWebhooksModule).options.path)
    if (paths.length > 1) {
      throw new Error(
        `inkless-webhooks: InklessWebhooksModule is imported ${paths.length} times (paths ${paths.join(', ')}): one app has one webhook route, which runs every @OnInklessEvent handler of the app. Import InklessWebhooksModule.forRoot() once (isGlobal: true injects INKLESS_WEBHOOKS in every module); several Inkless accounts on one route are the \`tenant\` option's job.`,
      )
    }
  }
}
