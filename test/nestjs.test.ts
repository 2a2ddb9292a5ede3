// Real Nest apps (the @nestjs/* versions in the root package.json) on Express and Fastify,
// with and without `rawBody: true`, through Test.createTestingModule + supertest and over real
// sockets. Every app has a global guard that refuses everything, an exception filter and an
// interceptor that turn every failure into a 200: the webhook route must not care.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { InklessEvent, InklessEventOf, InklessWebhooks } from '@inkless-webhooks/core'
import { inklessWebhooks as expressWebhooks } from '@inkless-webhooks/express'
import { INKLESS_WEBHOOKS, InklessWebhooksModule, OnInklessEvent } from '@inkless-webhooks/nestjs'
import {
  buildHandshakeRequest,
  buildSignedRequest,
  createTestEvent,
  sendHandshake,
  sendWebhook,
} from '@inkless-webhooks/testing'
import {
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  Global,
  type INestApplication,
  Inject,
  Injectable,
  Module,
  type NestInterceptor,
  Post,
  Req,
  Res,
  Scope,
} from '@nestjs/common'
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { Test } from '@nestjs/testing'
import express from 'express'
import { catchError, of } from 'rxjs'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

const SECRET = 'whsec_nest_test_secret'
const PATH = '/webhooks/inkless'

/** An ordinary service, injected into the handlers' provider. */
@Injectable()
class Audit {
  readonly entries: string[] = []
  failures = 0
  record(entry: string) {
    if (this.failures > 0) {
      this.failures--
      throw new Error('audit database unavailable')
    }
    this.entries.push(entry)
  }
}

@Injectable()
class SigningHandlers {
  constructor(private readonly audit: Audit) {}

  @OnInklessEvent('document_signed')
  onSigned(event: InklessEventOf<'document_signed'>) {
    this.audit.record(`signed ${event.document_token}`)
  }

  @OnInklessEvent(['document_signed', 'document_complete'])
  async onSignedOrComplete(event: InklessEventOf<'document_signed' | 'document_complete'>) {
    await Promise.resolve()
    this.audit.entries.push(`signed-or-complete ${event.event}`)
  }

  @OnInklessEvent('*')
  onAny(event: InklessEvent) {
    this.audit.entries.push(`any ${event.event}`)
  }
}

@Controller('api')
class ApiController {
  @Get('me')
  me() {
    return { me: true }
  }
}

/** The kind of global auth guard real apps have: nothing gets through without a session. */
@Injectable()
class DenyAllGuard implements CanActivate {
  canActivate() {
    return false
  }
}

/** A filter and an interceptor that would hide any failure behind a 200. */
@Catch()
class SwallowFilter implements ExceptionFilter {
  catch(_error: unknown, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse()
    if (typeof res.code === 'function') res.code(200).send('swallowed')
    else res.status(200).send('swallowed')
  }
}
@Injectable()
class SwallowInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler) {
    return next.handle().pipe(catchError(() => of('swallowed')))
  }
}

const appProviders = [
  Audit,
  SigningHandlers,
  { provide: APP_GUARD, useClass: DenyAllGuard },
  { provide: APP_FILTER, useClass: SwallowFilter },
  { provide: APP_INTERCEPTOR, useClass: SwallowInterceptor },
]

/** Where the secret comes from in forRootAsync: a config provider in its own module. */
@Injectable()
class WebhookConfig {
  readonly secret = SECRET
}
@Module({ providers: [WebhookConfig], exports: [WebhookConfig] })
class WebhookConfigModule {}

@Module({
  imports: [InklessWebhooksModule.forRoot({ path: PATH, secret: SECRET })],
  controllers: [ApiController],
  providers: appProviders,
})
class AppModule {}

@Module({
  imports: [
    InklessWebhooksModule.forRootAsync({
      imports: [WebhookConfigModule],
      inject: [WebhookConfig],
      useFactory: (config: WebhookConfig) => ({ path: PATH, secret: config.secret }),
    }),
  ],
  controllers: [ApiController],
  providers: appProviders,
})
class AsyncAppModule {}

type Platform = 'express' | 'fastify'
const adapterFor = (platform: Platform) =>
  platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()

// Every NestFactory.create() passes abortOnError: false: a DI error then rejects (and fails its
// test) instead of Nest exiting the test worker.
const apps: INestApplication[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function testingApp(platform: Platform, rawBody: boolean, module: object = AppModule) {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile()
  const app = moduleRef.createNestApplication(adapterFor(platform), { rawBody, logger: false })
  apps.push(app)
  await app.init()
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready()
  return { app, audit: app.get(Audit), server: request(app.getHttpServer()) }
}

const send = (server: ReturnType<typeof request>, signed: { headers: object; body: string }) =>
  server
    .post(PATH)
    .set(signed.headers as Record<string, string>)
    .send(signed.body)

describe.each([
  ['express', false],
  ['express', true],
  ['fastify', false],
  ['fastify', true],
] as const)(
  'Nest on %s, rawBody %s (Test.createTestingModule + supertest)',
  (platform, rawBody) => {
    it('answers the handshake with the verification secret', async () => {
      const { server } = await testingApp(platform, rawBody)
      const handshake = buildHandshakeRequest()
      const res = await server.post(PATH).set(handshake.headers).send(handshake.body)
      expect(res.status).toBe(200)
      expect(res.text).toBe(handshake.verificationSecret)
    })

    it('runs every decorated method for a signed event, past a guard that refuses everything', async () => {
      const { server, audit } = await testingApp(platform, rawBody)
      // The guard is live: an ordinary route is refused (the filter hides the 403 as a 200).
      const api = await server.get('/api/me')
      expect(api.text).toBe('swallowed')
      const event = createTestEvent('document_signed')
      const res = await send(server, buildSignedRequest(event, { secret: SECRET }))
      expect(res.status).toBe(200)
      expect(audit.entries.sort()).toEqual(
        [
          `signed ${event.document_token}`,
          'signed-or-complete document_signed',
          'any document_signed',
        ].sort(),
      )
    })

    it('refuses a forged event with 401 and runs nothing', async () => {
      const { server, audit } = await testingApp(platform, rawBody)
      const forged = buildSignedRequest(createTestEvent('document_signed'), { secret: 'not-it' })
      const res = await send(server, forged)
      expect(res.status).toBe(401)
      expect(audit.entries).toEqual([])
    })

    it('does not run the handlers again for a duplicate', async () => {
      const { server, audit } = await testingApp(platform, rawBody)
      const signed = buildSignedRequest(createTestEvent('document_complete'), { secret: SECRET })
      expect((await send(server, signed)).status).toBe(200)
      expect((await send(server, signed)).status).toBe(200)
      expect(audit.entries.sort()).toEqual(
        ['any document_complete', 'signed-or-complete document_complete'].sort(),
      )
    })

    it('answers 500 when a handler throws, despite the filter and interceptor; the retry runs it', async () => {
      const { server, audit } = await testingApp(platform, rawBody)
      audit.failures = 1
      const event = createTestEvent('document_signed')
      const signed = buildSignedRequest(event, { secret: SECRET })
      const first = await send(server, signed)
      expect(first.status).toBe(500)
      expect(audit.entries).not.toContain(`signed ${event.document_token}`)
      const retry = await send(server, signed)
      expect(retry.status).toBe(200)
      expect(audit.entries).toContain(`signed ${event.document_token}`)
    })
  },
)

describe.each(['express', 'fastify'] as const)('Nest on %s over a real socket', (platform) => {
  const listening = async (module: object, rawBody: boolean) => {
    const app = await NestFactory.create(module as never, adapterFor(platform), {
      rawBody,
      logger: false,
      abortOnError: false,
    })
    apps.push(app)
    await app.listen(0, '127.0.0.1')
    return { url: `${await app.getUrl()}${PATH}`.replace('[::1]', '127.0.0.1'), app }
  }

  it('forRootAsync: the secret from an injected config provider; handshake, event, forged, duplicate, retry', async () => {
    const { url, app } = await listening(AsyncAppModule, false)
    const audit = app.get(Audit)
    expect((await sendHandshake(url)).passed).toBe(true)
    const event = createTestEvent('document_signed')
    expect((await sendWebhook(url, event, { secret: 'forged' })).status).toBe(401)
    audit.failures = 1
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(500)
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    expect(audit.entries.filter((e) => e === `signed ${event.document_token}`)).toHaveLength(1)
  })

  it('keeps its absolute path under app.setGlobalPrefix(); other methods get 405, other paths Nest', async () => {
    const app = await NestFactory.create(AppModule, adapterFor(platform), {
      logger: false,
      abortOnError: false,
    })
    apps.push(app)
    app.setGlobalPrefix('api')
    await app.listen(0, '127.0.0.1')
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
    const event = createTestEvent('document_signed')
    expect((await sendWebhook(`${base}${PATH}`, event, { secret: SECRET })).status).toBe(200)
    // Under the prefix it is one of Nest's paths: its 404, turned into a 200 by the filter.
    const prefixed = await sendWebhook(`${base}/api${PATH}`, event, { secret: SECRET })
    expect(prefixed.body).toBe('swallowed')
    expect((await fetch(`${base}${PATH}`)).status).toBe(405)
    // Nest's own routes are untouched: the refuse-all guard answers (hidden by the filter).
    expect(await (await fetch(`${base}/api/api/me`)).text()).toBe('swallowed')
  })

  it('isGlobal: the core instance is injectable in every module; on() adds a listener', async () => {
    @Injectable()
    class Elsewhere {
      readonly seen: string[] = []
      constructor(@Inject(INKLESS_WEBHOOKS) webhooks: InklessWebhooks) {
        webhooks.on('link_viewed', (e) => {
          this.seen.push(e.document_token)
        })
      }
    }
    @Module({ providers: [Elsewhere] })
    class FeatureModule {}
    @Module({
      imports: [
        InklessWebhooksModule.forRoot({ path: PATH, secret: SECRET, isGlobal: true }),
        FeatureModule,
      ],
    })
    class GlobalModule {}
    const { url, app } = await listening(GlobalModule, true)
    const event = createTestEvent('link_viewed')
    expect((await sendWebhook(url, event, { secret: SECRET })).status).toBe(200)
    expect(app.get(Elsewhere).seen).toEqual([event.document_token])
  })
})

describe('@inkless-webhooks/express in a Nest controller (without this module)', () => {
  @Controller('hooks')
  class ExpressRouteController {
    private readonly middleware = expressWebhooks({ secret: SECRET })

    @Post('inkless')
    handle(@Req() req: IncomingMessage, @Res() res: ServerResponse) {
      return this.middleware(req, res)
    }
  }
  @Module({ controllers: [ExpressRouteController] })
  class ControllerModule {}

  it.each([false, true])('rawBody %s', async (rawBody) => {
    const app = await NestFactory.create(ControllerModule, new ExpressAdapter(), {
      rawBody,
      logger: false,
      abortOnError: false,
    })
    apps.push(app)
    await app.init()
    const signed = buildSignedRequest(createTestEvent('document_signed'), { secret: SECRET })
    const res = await request(app.getHttpServer())
      .post('/hooks/inkless')
      .set(signed.headers)
      .send(signed.body)
    if (rawBody) expect(res.status).toBe(200)
    else {
      // Nest's JSON parser consumed the body: the answer names Nest's fix, not Express's.
      expect(res.status).toBe(500)
      expect(res.text).toMatch(/NestFactory\.create\(AppModule, \{ rawBody: true \}\)/)
      expect(res.text).toMatch(/@inkless-webhooks\/nestjs/)
    }
  })
})

describe('Nest: bootstrap and logging', () => {
  it("logs a handler's failure through Nest's logger by default", async () => {
    const lines: string[] = []
    const capture = (...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
    }
    const app = await NestFactory.create(AppModule, new ExpressAdapter(), {
      logger: { log() {}, warn: capture, error: capture },
      abortOnError: false,
    })
    apps.push(app)
    await app.init()
    app.get(Audit).failures = 1
    const signed = buildSignedRequest(createTestEvent('document_signed'), { secret: SECRET })
    expect((await send(request(app.getHttpServer()), signed)).status).toBe(500)
    expect(lines.join('\n')).toMatch(/InklessWebhooks/)
    expect(lines.join('\n')).toMatch(/audit database unavailable/)
  })

  it('fails at bootstrap when the Express instance given to Nest already parses bodies', async () => {
    const instance = express()
    instance.use(express.json())
    const app = await NestFactory.create(AppModule, new ExpressAdapter(instance), {
      logger: false,
      abortOnError: false,
    })
    apps.push(app)
    await expect(app.init()).rejects.toThrow(
      /inkless-webhooks: the Express instance given to Nest already has a body parser \(jsonParser\).*NestFactory\.create\(\)/,
    )
  })

  it.each([
    ['request-scoped', Scope.REQUEST],
    ['transient', Scope.TRANSIENT],
  ])('refuses handlers on a %s provider at bootstrap', async (_kind, scope) => {
    @Injectable({ scope })
    class PerRequest {
      @OnInklessEvent('link_viewed')
      onViewed() {}
    }
    @Module({
      imports: [InklessWebhooksModule.forRoot({ path: PATH, secret: SECRET })],
      providers: [PerRequest],
    })
    class ScopedModule {}
    const app = await NestFactory.create(ScopedModule, new ExpressAdapter(), {
      logger: false,
      abortOnError: false,
    })
    apps.push(app)
    await expect(app.init()).rejects.toThrow(
      /inkless-webhooks: @OnInklessEvent on PerRequest\.onViewed: PerRequest is request-scoped or transient/,
    )
  })

  it('refuses a path that is not absolute', async () => {
    @Module({ imports: [InklessWebhooksModule.forRoot({ path: 'webhooks', secret: SECRET })] })
    class BadPath {}
    await expect(Test.createTestingModule({ imports: [BadPath] }).compile()).rejects.toThrow(
      /inkless-webhooks: `path` must be the webhook route's absolute path/,
    )
  })
})

describe.each(['express', 'fastify'] as const)(
  'Nest on %s: handlers on controllers',
  (platform) => {
    @Controller('contracts')
    class ContractsController {
      readonly seen: string[] = []

      @Get()
      list() {
        return this.seen
      }

      @OnInklessEvent('document_signed')
      onSigned(event: InklessEventOf<'document_signed'>) {
        this.seen.push(`signed ${event.document_token}`)
      }
    }
    @Module({
      imports: [InklessWebhooksModule.forRoot({ path: PATH, secret: SECRET })],
      controllers: [ContractsController],
    })
    class ControllerHandlersModule {}

    it("runs a controller's decorated method, and the controller's routes still work", async () => {
      const app = await NestFactory.create(ControllerHandlersModule, adapterFor(platform), {
        logger: false,
        abortOnError: false,
      })
      apps.push(app)
      await app.listen(0, '127.0.0.1')
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
      const event = createTestEvent('document_signed')
      expect((await sendWebhook(`${base}${PATH}`, event, { secret: SECRET })).status).toBe(200)
      expect(await (await fetch(`${base}/contracts`)).json()).toEqual([
        `signed ${event.document_token}`,
      ])
    })

    it('refuses handlers on a request-scoped controller at bootstrap', async () => {
      @Controller({ path: 'per-request', scope: Scope.REQUEST })
      class PerRequestController {
        @OnInklessEvent('link_viewed')
        onViewed() {}
      }
      @Module({
        imports: [InklessWebhooksModule.forRoot({ path: PATH, secret: SECRET })],
        controllers: [PerRequestController],
      })
      class ScopedControllerModule {}
      const app = await NestFactory.create(ScopedControllerModule, adapterFor(platform), {
        logger: false,
        abortOnError: false,
      })
      apps.push(app)
      await expect(app.init()).rejects.toThrow(
        /inkless-webhooks: @OnInklessEvent on PerRequestController\.onViewed: PerRequestController is request-scoped or transient/,
      )
    })
  },
)

describe.each(['express', 'fastify'] as const)(
  'Nest on %s: InklessWebhooksModule imported twice',
  (platform) => {
    @Injectable()
    class Ledger {
      readonly runs: string[] = []
    }
    @Global()
    @Module({ providers: [Ledger], exports: [Ledger] })
    class LedgerModule {}
    /** A feature module with its own forRoot() and its own handler, named `team`. */
    const feature = (team: string, options: { path: string; secret: string }) => {
      @Injectable()
      class TeamHandlers {
        constructor(@Inject(Ledger) private readonly ledger: Ledger) {}
        @OnInklessEvent('document_signed')
        onSigned(event: InklessEventOf<'document_signed'>) {
          this.ledger.runs.push(`${team} ${event.document_token}`)
        }
      }
      @Module({ imports: [InklessWebhooksModule.forRoot(options)], providers: [TeamHandlers] })
      class FeatureModule {}
      return FeatureModule
    }
    const start = async (...features: object[]) => {
      @Module({ imports: [LedgerModule, ...(features as never[])] })
      class TwiceModule {}
      const app = await NestFactory.create(TwiceModule, adapterFor(platform), {
        logger: false,
        abortOnError: false,
      })
      apps.push(app)
      return app
    }

    it('two paths: the bootstrap fails naming both (each route would run every handler)', async () => {
      const app = await start(
        feature('sales', { path: '/webhooks/sales', secret: SECRET }),
        feature('legal', { path: '/webhooks/legal', secret: 'whsec_other' }),
      )
      await expect(app.init()).rejects.toThrow(
        /inkless-webhooks: InklessWebhooksModule is imported 2 times \(paths \/webhooks\/sales, \/webhooks\/legal\)/,
      )
    })

    it('one path with two secrets: the bootstrap fails (the second route would never answer)', async () => {
      const app = await start(
        feature('sales', { path: PATH, secret: SECRET }),
        feature('legal', { path: PATH, secret: 'whsec_other' }),
      )
      await expect(app.init()).rejects.toThrow(
        /imported 2 times \(paths \/webhooks\/inkless, \/webhooks\/inkless\).*`tenant`/,
      )
    })

    it('the same options twice: the bootstrap fails too (two core instances, one shadowed)', async () => {
      const app = await start(
        feature('sales', { path: PATH, secret: SECRET }),
        feature('legal', { path: PATH, secret: SECRET }),
      )
      await expect(app.init()).rejects.toThrow(
        /imported 2 times \(paths \/webhooks\/inkless, \/webhooks\/inkless\).*isGlobal: true/,
      )
    })
  },
)
