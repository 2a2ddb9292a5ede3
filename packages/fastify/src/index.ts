/**
 * A Fastify 5 plugin for Inkless webhooks, in its own context so the app's other routes keep
 * their JSON parser.
 *
 * @module @inkless-webhooks/fastify
 */
import {
  type AnyInklessWebhooks,
  createInklessWebhooks,
  type InklessWebhooks,
  type InklessWebhooksOptions,
  isInklessWebhooks,
} from '@inkless-webhooks/core'
import { splitAdapterOptions } from '@inkless-webhooks/core/adapter'
import { lingerIfUnread, toInklessRequest } from '@inkless-webhooks/node/adapter'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

/** What the Fastify adapter adds to core's options, as every adapter takes them. */
export interface FastifyAdapterOptions {
  /** The webhook route the plugin adds. Every method is routed here so that non-POST gets 405. */
  path: string
}

/** Core's options and `path`, in one object. */
export interface InklessFastifyOptions extends InklessWebhooksOptions, FastifyAdapterOptions {
  /**
   * An existing instance, served instead of creating one from these options; core options
   * beside it are refused.
   *
   * @deprecated Pass the instance first: `inklessWebhooks(webhooks, { path })`.
   */
  webhooks?: AnyInklessWebhooks
}

/** A Fastify plugin to register, with the core instance as `.webhooks`. */
export type InklessFastifyPlugin = FastifyPluginAsync & {
  /** The core instance: add listeners later with `.webhooks.on(...)`. */
  readonly webhooks: InklessWebhooks
}

/**
 * `inklessWebhooks(optionsOrInstance, adapterOptions?)` as every adapter takes it; the old
 * form, the function itself registered with options, still works.
 */
export interface InklessFastify {
  /**
   * The plugin: `await app.register(inklessWebhooks({ path: '/webhook', secret, onEnvelopeComplete }))`
   * or, with an existing instance, `await app.register(inklessWebhooks(webhooks, { path: '/webhook' }))`.
   */
  (options: InklessFastifyOptions): InklessFastifyPlugin
  /** See above: an existing core instance and the route. */
  (webhooks: AnyInklessWebhooks, adapterOptions: FastifyAdapterOptions): InklessFastifyPlugin
  /**
   * The function itself as the plugin, registered with the options:
   * `app.register(inklessWebhooks, { path, … })`.
   *
   * @deprecated Register the plugin the factory returns: `app.register(inklessWebhooks({ path, … }))`
   * or `app.register(inklessWebhooks(webhooks, { path }))`.
   */
  (app: FastifyInstance, options: InklessFastifyOptions): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The first webhook instance registered in this context or a parent. Optional because
     * fastify-plugin decorates the context the plugin is registered in, not the root: when it
     * is registered inside another plugin, the root has none. Check it before `.on(…)`, or
     * keep the plugin's own `.webhooks`.
     */
    inklessWebhooks?: InklessWebhooks
  }
}

const registeredPaths = Symbol.for('inkless-webhooks.fastify.paths')
type WithPaths = FastifyInstance & { [registeredPaths]?: Set<string> }

// Our routes never reach the framework's parser: the body is read (with the size limit)
// by core from the raw stream.
const FASTIFY_FIX = 'Do not add a content-type parser inside the inkless-webhooks plugin context.'

const META = { fastify: '5.x', name: '@inkless-webhooks/fastify' } as const

/** What fastify's register() passes a plugin beside its own options. */
interface RegisterOptions {
  prefix?: string
}

/**
 * Adds the route serving `webhooks` at `path` to `app`, in a child context under `prefix`
 * (register's option, which fastify-plugin's context would otherwise ignore).
 */
async function serve(
  app: FastifyInstance,
  webhooks: InklessWebhooks,
  path: string,
  { prefix }: RegisterOptions,
) {
  const root = app as WithPaths
  root[registeredPaths] ??= new Set()
  const paths = root[registeredPaths]
  const route = `${app.prefix}${prefix ?? ''}${path}`
  if (paths.has(route)) {
    throw new Error(`inkless-webhooks: already registered on "${route}"; register it once per path`)
  }
  paths.add(route)
  if (!app.hasDecorator('inklessWebhooks')) app.decorate('inklessWebhooks', webhooks)

  // A child context: the raw-stream parser below applies to the webhook route only, and the
  // app's other routes keep their own JSON parser.
  await app.register(
    async (child) => {
      child.removeAllContentTypeParsers()
      const leaveTheStream = (_request: unknown, _payload: unknown, done: (error: null) => void) =>
        done(null)
      // 'application/json' by name too: fastify caches named types, not its '*' catch-all.
      child.addContentTypeParser('application/json', leaveTheStream)
      child.addContentTypeParser('*', leaveTheStream)
      // Not an async handler: Fastify would wait on its promise (and on the reply it resolves
      // to, a thenable) before its own bookkeeping, two microtask hops per request for nothing.
      child.all(path, (request, reply) => {
        const raw = request.raw
        webhooks
          .handle(
            toInklessRequest(raw, FASTIFY_FIX),
            // Fastify() without `logger` gives a logger that prints nothing, and has no level.
            typeof request.log.level === 'string' ? { logger: request.log } : undefined,
          )
          .then(
            (response) => {
              try {
                lingerIfUnread(raw, response, webhooks.limits)
                reply.code(response.status).headers(response.headers).send(response.body)
              } catch (error) {
                // As Fastify does for a handler's own promise: the error goes to its handler.
                reply.send(error)
              }
            },
            (error: unknown) => reply.send(error),
          )
      })
    },
    { prefix },
  )
}

const warned = new Set<string>()
/**
 * A deprecated form's warning, once per process per form, through Node's own channel:
 * printed once, seen by `process.on('warning')`, silenced by `--no-deprecation`.
 */
function deprecated(code: string, message: string): void {
  if (warned.has(code)) return
  warned.add(code)
  process.emitWarning(`@inkless-webhooks/fastify: ${message}`, 'DeprecationWarning', code)
}

// The deprecated `webhooks` option: the instance it names, with core options beside it
// refused (they would be silently ignored).
function fromWebhooksOption(options: InklessFastifyOptions): InklessFastifyOptions {
  const { path, webhooks, ...coreOptions } = options
  const ignored = Object.keys(coreOptions)
  if (webhooks && ignored.length > 0) {
    throw new TypeError(
      `inkless-webhooks: ${ignored.join(', ')} beside \`webhooks\` would be ignored: pass them to createInklessWebhooks() for that instance instead.`,
    )
  }
  return options
}

function createPlugin(
  optionsOrInstance: InklessFastifyOptions | AnyInklessWebhooks | undefined,
  adapterOptions: Partial<FastifyAdapterOptions> | undefined,
): InklessFastifyPlugin {
  let given = optionsOrInstance
  let adapterGiven = adapterOptions
  if (!isInklessWebhooks(given) && given?.webhooks !== undefined) {
    const { path, webhooks } = fromWebhooksOption(given)
    given = webhooks
    adapterGiven = { path, ...adapterOptions }
  }
  const { webhooks, adapter } = splitAdapterOptions<FastifyAdapterOptions>(
    given,
    adapterGiven as FastifyAdapterOptions | undefined,
    ['path'],
    createInklessWebhooks,
  )
  const { path } = adapter
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError('inkless-webhooks: the fastify plugin needs a `path` such as "/webhook"')
  }
  const plugin = fp(
    async (app: FastifyInstance, options: RegisterOptions) => serve(app, webhooks, path, options),
    META,
  )
  return Object.assign(plugin, { webhooks })
}

// Fastify calls a plugin with its instance; the factory is called with options or a core
// instance, never with a Fastify instance.
const isFastifyInstance = (value: unknown): value is FastifyInstance =>
  typeof (value as FastifyInstance | undefined)?.addContentTypeParser === 'function'

function inklessWebhooksFactory(
  optionsOrInstance?: InklessFastifyOptions | AnyInklessWebhooks | FastifyInstance,
  second?: Partial<FastifyAdapterOptions> | InklessFastifyOptions,
): InklessFastifyPlugin | Promise<void> {
  if (isFastifyInstance(optionsOrInstance)) {
    deprecated(
      'INKLESS_FASTIFY_REGISTER',
      'registering inklessWebhooks itself with options is deprecated; register the plugin it returns: app.register(inklessWebhooks({ path, … })) or app.register(inklessWebhooks(webhooks, { path })).',
    )
    return registeredWithOptions(optionsOrInstance, { ...second } as InklessFastifyOptions)
  }
  if (!isInklessWebhooks(optionsOrInstance) && optionsOrInstance?.webhooks !== undefined) {
    deprecated(
      'INKLESS_FASTIFY_WEBHOOKS_OPTION',
      'the `webhooks` option is deprecated; pass the instance first: inklessWebhooks(webhooks, { path }).',
    )
  }
  return createPlugin(optionsOrInstance, second)
}

// The deprecated form, `app.register(inklessWebhooks, { path, … })`: a configuration error
// rejects the registration.
async function registeredWithOptions(app: FastifyInstance, options: InklessFastifyOptions) {
  const { prefix, logLevel, logSerializers, ...ours } = options as InklessFastifyOptions &
    RegisterOptions & { logLevel?: unknown; logSerializers?: unknown }
  await createPlugin(ours, undefined)(app, { prefix })
}

/**
 * The plugin for one webhook route, as every adapter takes its options:
 * `await app.register(inklessWebhooks({ path: '/webhook', secret, onEnvelopeComplete }))`, or
 * with an existing instance `await app.register(inklessWebhooks(webhooks, { path: '/webhook' }))`.
 * The plugin's `.webhooks` is the instance; the context it is registered in is also decorated
 * with it as `inklessWebhooks`.
 */
export const inklessWebhooks: InklessFastify = fp(
  inklessWebhooksFactory as FastifyPluginAsync,
  META,
) as unknown as InklessFastify

export default inklessWebhooks
