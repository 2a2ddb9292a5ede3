import { createInklessWebhooks } from '@inkless-webhooks/core'
import { inklessWebhooks } from '@inkless-webhooks/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it, vi } from 'vitest'
import { eventBody, SECRET, signed } from './support/deliveries.js'

// Why `FastifyInstance['inklessWebhooks']` is optional: fastify-plugin decorates the context
// the plugin is registered in, which is the root only when it is registered at the root.
describe('fastify: app.inklessWebhooks', () => {
  const deliver = (app: FastifyInstance) => {
    const body = eventBody()
    return app.inject({ method: 'POST', url: '/webhook', payload: body, headers: signed(body) })
  }

  it('registered at the root: present at the root', async () => {
    const webhooks = createInklessWebhooks({ secret: SECRET })
    const app = Fastify()
    await app.register(inklessWebhooks(webhooks, { path: '/webhook' }))
    expect(app.inklessWebhooks).toBe(webhooks)
    await app.close()
  })

  it('registered inside another plugin: present there, absent at the root', async () => {
    const onDocumentSigned = vi.fn()
    const app = Fastify()
    let inside: FastifyInstance['inklessWebhooks']
    await app.register(async (child) => {
      await child.register(inklessWebhooks({ path: '/webhook', secret: SECRET }))
      inside = child.inklessWebhooks
      inside?.on('document_signed', onDocumentSigned)
    })
    await app.ready()
    expect(inside).toBeDefined()
    expect(app.inklessWebhooks).toBeUndefined()
    expect(app.hasDecorator('inklessWebhooks')).toBe(false)
    // The route itself is served either way.
    expect((await deliver(app)).statusCode).toBe(200)
    expect(onDocumentSigned).toHaveBeenCalledTimes(1)
    await app.close()
  })
})
