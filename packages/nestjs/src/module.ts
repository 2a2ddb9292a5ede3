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
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core'
import { InklessHandlerExplorer } from './explorer.js'
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
 * `@OnInklessEvent` on any provider handle the events; the route answers before guards,
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
export class InklessWebhooksModule extends ConfigurableModuleClass implements OnModuleInit {
  private readonly checkRoute: () => void

  /** @internal */
  constructor(
    @Inject(INKLESS_WEBHOOKS) private readonly webhooks: InklessWebhooks,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: InklessWebhooksModuleOptions,
    @Inject(InklessHandlerExplorer) private readonly explorer: InklessHandlerExplorer,
    @Inject(HttpAdapterHost) host: HttpAdapterHost,
  ) {
    super()
    this.checkRoute = mountWebhookRoute(host, webhooks, options.path)
  }

  /** Serves `options` (the path, the secret and every core option) on the app's HTTP adapter. */
  static override forRoot(options: InklessWebhooksModuleForRootOptions): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: the builder's forRoot makes `this` the module.
    return super.forRoot(options)
  }

  /** The same, with the options from `useFactory` (e.g. the secret from `ConfigService`). */
  static override forRootAsync(options: InklessWebhooksModuleAsyncOptions): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: the builder's forRootAsync makes `this` the module.
    return super.forRootAsync(options)
  }

  /** At bootstrap: fails if the route cannot read bodies, then adds the decorated handlers. */
  onModuleInit(): void {
    this.checkRoute()
    // With a queue, the handlers run in the worker (InklessWorkerModule), not here.
    if (!this.options.queue) this.explorer.register(this.webhooks)
  }
}
