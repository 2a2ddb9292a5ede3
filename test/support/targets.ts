import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { serve } from '@hono/node-server'
import type { InklessWebhooks, InklessWebhooksOptions } from '@inkless-webhooks/core'
import { inklessWebhooks as expressWebhooks } from '@inkless-webhooks/express'
import { inklessWebhooks as fastifyWebhooks } from '@inkless-webhooks/fastify'
import { inklessWebhooks as fetchWebhooks } from '@inkless-webhooks/fetch'
import { inklessWebhooks as koaWebhooks } from '@inkless-webhooks/koa'
import { inklessWebhooks as nodeWebhooks } from '@inkless-webhooks/node'
import bodyParser from '@koa/bodyparser'
import Router from '@koa/router'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { type Answer, type SendOptions, send, upload } from './http.js'

export interface Running {
  /** The webhook's URL, for targets served on a real socket. */
  readonly url?: string
  /** Sends one request to `path` (default the webhook; `/other` is an unrelated JSON route). */
  send(options: SendOptions, path?: string): Promise<Answer>
  /** Uploads a huge body to the webhook; says how it ended and how many bytes the app read. */
  upload(
    totalBytes: number,
    headers: Record<string, string>,
    options: { declareLength: boolean },
  ): Promise<{ result: number | 'reset'; bytesRead: number }>
  readonly webhooks: InklessWebhooks
  /** Bytes the server has read from all its sockets so far (0 for targets without one). */
  bytesRead(): number
  /** Sockets the server still holds open (0 for targets without one). */
  openConnections(): Promise<number>
  close(): Promise<void>
}

export interface Target {
  readonly name: string
  start(options: InklessWebhooksOptions): Promise<Running>
}

async function running(
  server: Server,
  webhooks: InklessWebhooks,
  close?: () => Promise<void>,
): Promise<Running> {
  const sockets = new Set<Socket>()
  let closedBytes = 0
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => {
      closedBytes += socket.bytesRead
      sockets.delete(socket)
    })
  })
  if (!server.listening) {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
  }
  const { port } = server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  const bytesRead = () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesRead, 0)
  return {
    url: `${base}/webhook`,
    openConnections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    send: (options, path = '/webhook') => send(`${base}${path}`, options),
    async upload(totalBytes, headers, options) {
      const before = bytesRead()
      const result = await upload(`${base}/webhook`, totalBytes, headers, options)
      return { result, bytesRead: bytesRead() - before }
    },
    webhooks,
    bytesRead,
    close:
      close ??
      (async () => {
        server.closeAllConnections()
        server.close()
        await once(server, 'close')
      }),
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString() || 'null')))
    req.on('error', reject)
  })
}

const expressTarget = (name: string, make: typeof express): Target => ({
  name,
  async start(options) {
    const app = make()
    const webhook = expressWebhooks(options)
    app.use('/webhook', webhook)
    app.use(make.json())
    app.post('/other', (req, res) => {
      res.json({ received: req.body })
    })
    return running(createServer(app), webhook.webhooks)
  },
})

/** A Hono app as users write it: the webhook hands `c.req.raw` to the fetch adapter. */
function honoApp(options: InklessWebhooksOptions) {
  const handler = fetchWebhooks(options)
  const app = new Hono()
  app.all('/webhook', (c) => handler(c.req.raw))
  app.post('/other', async (c) => c.json({ received: await c.req.json() }))
  return { app, webhooks: handler.webhooks }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Hono's `app.request()`: the fetch adapter with no socket at all. */
const honoRequestTarget: Target = {
  name: 'fetch (Hono app.request)',
  async start(options) {
    const { app, webhooks } = honoApp(options)
    const request = async (path: string, init: RequestInit): Promise<Answer> => {
      const res = await app.request(path, init)
      return {
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: await res.text(),
      }
    }
    return {
      webhooks,
      send({ method = 'POST', headers = {}, body, chunks, chunkDelayMs = 0 }, path = '/webhook') {
        const stream =
          chunks &&
          new ReadableStream<Uint8Array>({
            async start(controller) {
              for (const chunk of chunks) {
                controller.enqueue(
                  typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk,
                )
                await delay(chunkDelayMs)
              }
              controller.close()
            },
          })
        const init = { method, headers: headers as Record<string, string>, body: stream ?? body }
        return request(
          path,
          stream ? ({ ...init, duplex: 'half' } as RequestInit) : (init as RequestInit),
        )
      },
      async upload(totalBytes, headers, { declareLength }) {
        let bytesRead = 0
        const chunk = new Uint8Array(64 * 1024)
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (bytesRead >= totalBytes) return controller.close()
            bytesRead += chunk.length
            controller.enqueue(chunk)
          },
        })
        const length = declareLength ? { 'content-length': String(totalBytes) } : {}
        const res = await app.request('/webhook', {
          method: 'POST',
          headers: { ...headers, ...length },
          body,
          duplex: 'half',
        } as RequestInit)
        return { result: res.status, bytesRead }
      },
      openConnections: async () => 0,
      bytesRead: () => 0,
      close: async () => {},
    }
  },
}

export const targets: readonly Target[] = [
  {
    name: 'node',
    async start(options) {
      const webhook = nodeWebhooks({ path: '/webhook', ...options })
      const other = async (req: IncomingMessage, res: ServerResponse) => {
        const received = await readJson(req)
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received }))
      }
      const server = createServer((req, res) => webhook(req, res, () => void other(req, res)))
      return running(server, webhook.webhooks)
    },
  },
  expressTarget('express', express),
  expressTarget('express4', express4 as unknown as typeof express),
  {
    name: 'fastify',
    async start(options) {
      const app = Fastify()
      const plugin = fastifyWebhooks({ path: '/webhook', ...options })
      await app.register(plugin)
      app.post('/other', async (request) => ({ received: request.body }))
      await app.listen({ port: 0, host: '127.0.0.1' })
      return running(app.server, plugin.webhooks, () => app.close())
    },
  },
  {
    name: 'koa',
    async start(options) {
      const app = new Koa()
      const webhook = koaWebhooks({ path: '/webhook', ...options })
      const router = new Router()
      router.post('/other', (ctx) => {
        ctx.body = { received: ctx.request.body }
      })
      app.use(webhook).use(bodyParser()).use(router.routes())
      app.silent = true // koa would log every client that disconnects mid-body (reliability tests)
      return running(createServer(app.callback()), webhook.webhooks)
    },
  },
  {
    name: 'fetch (Hono on @hono/node-server)',
    async start(options) {
      const { app, webhooks } = honoApp(options)
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
      if (!server.listening) await once(server, 'listening')
      return running(server, webhooks)
    },
  },
  honoRequestTarget,
]
