import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { InklessWebhooks, InklessWebhooksOptions } from '@inkless-webhooks/core'
import { inklessWebhooks as expressWebhooks } from '@inkless-webhooks/express'
import { inklessWebhooks as fastifyWebhooks } from '@inkless-webhooks/fastify'
import { inklessWebhooks as koaWebhooks } from '@inkless-webhooks/koa'
import { inklessWebhooks as nodeWebhooks } from '@inkless-webhooks/node'
import bodyParser from '@koa/bodyparser'
import Router from '@koa/router'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import Koa from 'koa'

export interface Running {
  /** The webhook URL. */
  readonly url: string
  /** An unrelated JSON route of the same app: POST it JSON, get `{ received }` back. */
  readonly otherUrl: string
  readonly webhooks: InklessWebhooks
  /** Bytes the server has read from every socket so far. */
  bytesRead(): number
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
  return {
    url: `${base}/webhook`,
    otherUrl: `${base}/other`,
    webhooks,
    bytesRead: () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesRead, 0),
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
      await app.register(fastifyWebhooks, { path: '/webhook', ...options })
      app.post('/other', async (request) => ({ received: request.body }))
      await app.listen({ port: 0, host: '127.0.0.1' })
      return running(app.server, app.inklessWebhooks, () => app.close())
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
      return running(createServer(app.callback()), webhook.webhooks)
    },
  },
]
