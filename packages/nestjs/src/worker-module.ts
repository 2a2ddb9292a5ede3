import {
  type ConfigurableModuleAsyncOptions,
  ConfigurableModuleBuilder,
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common'
import { DiscoveryModule } from '@nestjs/core'
import { InklessHandlerExplorer, type ListenerTarget } from './explorer.js'

/**
 * A queue package's worker, as `createInklessWorker()` of `@inkless-webhooks/bullmq` returns it:
 * listeners are added to it, and it closes.
 */
export interface InklessWorkerLike extends ListenerTarget {
  /** Finishes the jobs running now, takes no new ones, and disconnects. */
  close(): Promise<void>
}

/** What `InklessWorkerModule` needs: how to create the worker. */
export interface InklessWorkerModuleOptions {
  /**
   * Creates the worker, e.g. `() => createInklessWorker({ connection })`. Called once at
   * bootstrap, after every provider exists: the `@OnInklessEvent` methods are added in the
   * same tick, before the worker can take its first job.
   */
  createWorker: () => InklessWorkerLike
}

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<InklessWorkerModuleOptions>({ moduleName: 'InklessWorker' })
    .setClassMethodName('forRoot')
    .build()

/** What `InklessWorkerModule.forRootAsync()` takes: `imports`, `inject`, `useFactory`… */
export type InklessWorkerModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  InklessWorkerModuleOptions,
  'create'
>

/**
 * The processing end of queue mode in a Nest app (often a `createApplicationContext()` with no
 * HTTP server): the `@OnInklessEvent` methods of every provider and controller run in the queue's worker,
 * which retries the jobs whose handlers throw. The receiver is `InklessWebhooksModule` with
 * the `queue` option. The worker closes with the app (`app.close()`, or shutdown hooks).
 */
@Module({ imports: [DiscoveryModule], providers: [InklessHandlerExplorer] })
export class InklessWorkerModule implements OnModuleInit, OnApplicationShutdown {
  private worker: InklessWorkerLike | undefined

  /** @internal Nest creates the module. */
  constructor(
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: InklessWorkerModuleOptions,
    // The explorer's one method: its class is not part of the API.
    @Inject(InklessHandlerExplorer)
    private readonly explorer: { register(target: ListenerTarget): number },
  ) {}

  // The builder's module definitions, for this module (its class has no public name to
  // extend: a declaration extending it could not be named by users).
  /** Processes the queue with `options.createWorker()`'s worker. */
  static forRoot(options: InklessWorkerModuleOptions): DynamicModule {
    return { ...ConfigurableModuleClass.forRoot(options), module: InklessWorkerModule }
  }

  /** The same, with the options from `useFactory` (e.g. Redis from `ConfigService`). */
  static forRootAsync(options: InklessWorkerModuleAsyncOptions): DynamicModule {
    return { ...ConfigurableModuleClass.forRootAsync(options), module: InklessWorkerModule }
  }

  /** At bootstrap: creates the worker and adds the decorated handlers to it. */
  onModuleInit(): void {
    const worker = this.options.createWorker()
    this.worker = worker
    this.explorer.register(worker)
  }

  /** Closes the worker: the jobs running now finish first. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close()
  }
}
