import type { InklessWebhooks } from '@inkless-webhooks/core'
import { createNodeMiddleware } from '@inkless-webhooks/node/adapter'
import type { HttpAdapterHost } from '@nestjs/core'

// Only reached when something read the body before the route: the module mounts it ahead of
// Nest's own parsers, so that is a parser on an Express instance the app brought itself.
const NEST_FIX =
  "A body parser read the body before InklessWebhooksModule's route: mount it after NestFactory.create() (app.use(), app.useBodyParser()), or create the app with { rawBody: true } and let Nest parse."

const PARSERS = ['jsonParser', 'urlencodedParser', 'textParser', 'rawParser']

interface NestHttpAdapter {
  getType(): string
  use(...args: unknown[]): unknown
  isMiddlewareApplied?(name: string): boolean
}

/**
 * Mounts the webhook route on the app's HTTP adapter (Express or Fastify) as soon as Nest has
 * one: before `app.init()` registers the body parsers, so the route reads the raw bytes with or
 * without `rawBody: true`, and outside Nest's guards, interceptors and filters. Returns a check
 * to run at bootstrap: it throws when the route cannot see an unread body.
 */
export function mountWebhookRoute(
  host: HttpAdapterHost,
  webhooks: InklessWebhooks,
  path: string,
): () => void {
  let problem: Error | undefined
  const mount = () => {
    const adapter = host.httpAdapter as unknown as NestHttpAdapter
    const parser = PARSERS.find((name) => adapter.isMiddlewareApplied?.(name))
    if (adapter.getType() === 'express' && parser !== undefined) {
      problem = new Error(
        `inkless-webhooks: the Express instance given to Nest already has a body parser (${parser}) mounted, so the webhook route at ${path} would only see a consumed body. Mount body parsers after NestFactory.create() (app.use(), app.useBodyParser()), or leave them to Nest ({ rawBody: true } when a controller needs the bytes too).`,
      )
      return
    }
    adapter.use(
      createNodeMiddleware(webhooks, {
        path,
        fix: NEST_FIX,
        kept: (req) => {
          const { rawBody } = req as { rawBody?: unknown }
          return rawBody === undefined ? undefined : { bytes: rawBody, by: 'req.rawBody' }
        },
      }),
    )
  }
  // The adapter is there already under NestFactory.create(); under Test.createTestingModule()
  // it arrives with createNestApplication(). Either way before app.init().
  if (host.httpAdapter) mount()
  else host.init$.subscribe(mount)
  return () => {
    if (problem) throw problem
  }
}
