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
} from '@inkless-webhooks/core'
import { lingerIfUnread, toInklessRequest } from '@inkless-webhooks/node/adapter'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

/** Core's options, the route and optionally an existing instance. */
export interface InklessFastifyOptions extends InklessWebhooksOptions {
  /** The webhook route. Every method is routed here so that non-POST gets 405. */
  path: string
  /** Serve an existing core instance instead of creating one from these options. */
  webhooks?: AnyInklessWebhooks
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The first webhook instance registered in this context or a parent. Optional because
     * fastify-plugin decorates the context the plugin is registered in, not the root: when it
     * is registered inside another plugin, the root has none. Check it before `.on(…)`, or
     * keep your own instance: `createInklessWebhooks(…)` passed as the `webhooks` option.
     */
    inklessWebhooks?: InklessWebhooks
  }
}

const registeredPaths = Symbol.for('inkless-webhooks.fastify.paths')
type WithPaths = FastifyInstance & { [registeredPaths]?: Set<string> }

// Our routes never reach the framework's parser: the body is read (with the size limit)
// by core from the raw stream.
const FASTIFY_FIX = 'Do not add a content-type parser inside the inkless-webhooks plugin context.'

// What fastify's register() itself reads from a plugin's options.
const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers'])

const plugin: FastifyPluginAsync<InklessFastifyOptions> = async (app, options) => {
  const { path, webhooks: given, ...coreOptions } = options
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError('inkless-webhooks: the fastify plugin needs a `path` such as "/webhook"')
  }
  const root = app as WithPaths
  root[registeredPaths] ??= new Set()
  const paths = root[registeredPaths]
  if (paths.has(path)) {
    throw new Error(`inkless-webhooks: already registered on "${path}"; register it once per path`)
  }
  // Beside an instance, core options would be silently ignored: refuse them.
  const ignored = Object.keys(coreOptions).filter((key) => !REGISTER_OPTIONS.has(key))
  if (given && ignored.length > 0) {
    throw new TypeError(
      `inkless-webhooks: ${ignored.join(', ')} beside \`webhooks\` would be ignored: pass them to createInklessWebhooks() for that instance instead.`,
    )
  }
  paths.add(path)
  const webhooks = given ?? createInklessWebhooks(coreOptions)
  if (!app.hasDecorator('inklessWebhooks')) app.decorate('inklessWebhooks', webhooks)

  // A child context: the raw-stream parser below applies to the webhook route only, and the
  // app's other routes keep their own JSON parser.
  await app.register(async (child) => {
    child.removeAllContentTypeParsers()
    const leaveTheStream = (_request: unknown, _payload: unknown, done: (error: null) => void) =>
      done(null)
    // 'application/json' by name too: fastify caches named types, not its '*' catch-all.
    child.addContentTypeParser('application/json', leaveTheStream)
    child.addContentTypeParser('*', leaveTheStream)
    child.all(path, async (request, reply) => {
      const response = await webhooks.handle(
        toInklessRequest(request.raw, FASTIFY_FIX),
        // Fastify() without `logger` gives a logger that prints nothing, and has no level.
        typeof request.log.level === 'string' ? { logger: request.log } : undefined,
      )
      lingerIfUnread(request.raw, response, webhooks.limits)
      return reply.code(response.status).headers(response.headers).send(response.body)
    })
  })
}

/** `await app.register(inklessWebhooks, { path: '/webhook', secret, onEnvelopeComplete })` */
export const inklessWebhooks = fp(plugin, { fastify: '5.x', name: '@inkless-webhooks/fastify' })

export default inklessWebhooks
