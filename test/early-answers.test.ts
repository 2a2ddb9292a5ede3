import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, type Socket } from 'node:net'
import { inklessWebhooks as nodeWebhooks } from '@inkless-webhooks/node'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventBody, SECRET, signed } from './support/deliveries.js'
import { size } from './support/stress.js'
import { type Running, targets } from './support/targets.js'

// Early answers (413, 405, 408) before the body was read, against clients that behave like
// most HTTP libraries: they send the whole body first and only then read the answer.

const socketTargets = targets.filter((t) => t.name !== 'fetch (Hono app.request)')
// Lingering close is done by the adapters on Node's own http server; @hono/node-server
// closes as it sees fit.
const lingeringTargets = socketTargets.filter((t) => !t.name.startsWith('fetch'))

const MiB = 1024 * 1024

/** Sends a request head and `bodyBytes` of body on a raw socket, then reads until close. */
async function sendAllThenRead(
  url: string,
  {
    method = 'POST',
    bodyBytes,
    chunked = false,
  }: { method?: string; bodyBytes: number; chunked?: boolean },
): Promise<{ answer: string; writeError?: string; serverClosed: boolean }> {
  const { port, pathname } = new URL(url)
  // Half-open like Python's http.client or curl: the server's FIN does not stop the upload.
  const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true })
  await once(socket, 'connect')
  const received: Buffer[] = []
  socket.on('data', (chunk: Buffer) => received.push(chunk))
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  // Half-open, the client sees the server's FIN as 'end', and 'close' only after its own end.
  const answered = new Promise<void>((resolve) => socket.on('end', () => resolve()))
  let writeError: string | undefined
  socket.on('error', (error: NodeJS.ErrnoException) => {
    writeError ??= error.code
  })
  const headers = signed('x')
  const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${bodyBytes}`
  socket.write(
    `${method} ${pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\n${framing}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`,
  )
  const data = Buffer.alloc(64 * 1024, 0x61)
  const chunk = chunked
    ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
    : data
  for (let sent = 0; sent < bodyBytes && !writeError && !socket.destroyed; sent += chunk.length) {
    if (!socket.write(chunk)) await Promise.race([once(socket, 'drain').catch(() => {}), closed])
  }
  // Only now read, as Python's http.client or a shell `curl --data-binary` would.
  const ended = await Promise.race([
    answered.then(() => true),
    closed.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 8000)),
  ])
  socket.destroy()
  return { answer: Buffer.concat(received).toString('latin1'), writeError, serverClosed: ended }
}

async function stall(url: string): Promise<{ answer: string; socket: Socket }> {
  const { port, pathname } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  const received: Buffer[] = []
  socket.on('data', (chunk: Buffer) => received.push(chunk))
  socket.on('error', () => {})
  const body = eventBody()
  socket.write(
    `POST ${pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nx-inkless-signature: ${signed(body)['x-inkless-signature']}\r\n\r\n${body.slice(0, 10)}`,
  )
  await vi.waitFor(() => expect(Buffer.concat(received).length).toBeGreaterThan(0), {
    timeout: 5000,
  })
  return { answer: Buffer.concat(received).toString('latin1'), socket }
}

describe.each(socketTargets)('$name', (target) => {
  let app: Running | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
  })

  it('a body that stalls gets 408 after bodyTimeoutMs; no handler runs', async () => {
    const onEvent = vi.fn()
    app = await target.start({ secret: SECRET, onError: () => {}, onEvent, bodyTimeoutMs: 200 })
    const { answer, socket } = await stall(app.url as string)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    socket.destroy()
    expect(onEvent).not.toHaveBeenCalled()
  })
})

describe.each(lingeringTargets)('$name', (target) => {
  let app: Running | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
  })

  it('413 and 405 are readable by a client that sends its whole 8 MiB body first (maxBodyBytes 1 MiB)', async () => {
    const onEvent = vi.fn()
    // The lingering read is bounded relative to maxBodyBytes: 8 MiB here.
    app = await target.start({ secret: SECRET, onError: () => {}, onEvent, maxBodyBytes: MiB })
    const url = app.url as string
    // A write error is where Python's sendall raises BrokenPipe and the answer is never read.
    for (let i = 0; i < 3; i++) {
      const { answer, writeError } = await sendAllThenRead(url, { bodyBytes: 6 * MiB })
      expect(writeError).toBeUndefined()
      expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    }
    const { answer, writeError } = await sendAllThenRead(url, { method: 'PUT', bodyBytes: 6 * MiB })
    expect(writeError).toBeUndefined()
    expect(answer).toMatch(/^HTTP\/1\.1 405 /)
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('after a 408, what the client still sends (past maxBodyBytes) is read to its end, not reset', async () => {
    const onEvent = vi.fn()
    const maxBodyBytes = 4 * 1024
    app = await target.start({
      secret: SECRET,
      onError: () => {},
      onEvent,
      maxBodyBytes,
      bodyTimeoutMs: 500,
    })
    const { port, pathname } = new URL(app.url as string)
    const before = app.bytesRead()
    const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true })
    await once(socket, 'connect')
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    let socketError: string | undefined
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketError ??= error.code
    })
    // Chunked (a declared length past the limit is answered 413 at once): within the
    // lingering bound (1 MiB here), far past the body limit.
    const bodyBytes = 256 * 1024
    const head = `POST ${pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n${Object.entries(
      signed('x'),
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`
    socket.write(`${head}1\r\n{\r\n`)
    await vi.waitFor(
      () => expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 408 /),
      {
        timeout: 5000,
      },
    )
    // The rest of the body, after the answer: the server keeps reading it (the lingering
    // close, bounded by bodyTimeoutMs) until it ends, rather than closing with bytes unread.
    const rest = bodyBytes - 1
    socket.end(`${rest.toString(16)}\r\n${'a'.repeat(rest)}\r\n0\r\n\r\n`)
    await vi.waitFor(async () => expect(await app?.openConnections()).toBe(0), { timeout: 5000 })
    socket.destroy()
    expect(socketError).toBeUndefined()
    expect(app.bytesRead() - before).toBeGreaterThan(bodyBytes)
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('a 100 MiB upload is cut off after a read bounded by maxBodyBytes (1 MiB at the default)', async () => {
    app = await target.start({ secret: SECRET, onError: () => {} })
    const before = app.bytesRead()
    const { answer, writeError } = await sendAllThenRead(app.url as string, {
      bodyBytes: 100 * MiB,
    })
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(writeError).toMatch(/^(EPIPE|ECONNRESET)$/)
    expect(app.bytesRead() - before).toBeLessThan(3 * MiB)
  })
})

/** Sends a chunked body one byte every 100 ms; resolves when the server ends the connection. */
function trickle(url: string): { ended: () => boolean; stop: () => void } {
  const { port, pathname } = new URL(url)
  const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true })
  let ended = false
  socket.on('end', () => {
    ended = true
  })
  socket.on('close', () => {
    ended = true
  })
  socket.on('error', () => {})
  socket.on('data', () => {})
  socket.write(
    `POST ${pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n${Object.entries(
      signed('x'),
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`,
  )
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write('1\r\na\r\n')
  }, 100)
  return {
    ended: () => ended,
    stop: () => {
      clearInterval(timer)
      socket.destroy()
    },
  }
}

// A tenant() that names no tenant, or throws: both answered before the body is read.
const earlyTenants = {
  'names none': () => undefined,
  throws: () => {
    throw new URIError('URI malformed')
  },
}

describe.each(socketTargets)('$name: answers before the body is read', (target) => {
  let app: Running | undefined
  afterEach(async () => {
    await app?.close()
    app = undefined
  })

  it.each(Object.entries(earlyTenants))(
    'tenant() %s: 404 with Connection: close, and chunked uploads are cut off after a bounded read',
    async (_, tenant) => {
      const onEvent = vi.fn()
      const lookup = vi.fn(() => SECRET)
      app = await target.start({ tenant, secret: lookup, onError: () => {}, onEvent })
      const uploads = size(50, 5)
      const bodyBytes = size(64, 16) * MiB
      const before = app.bytesRead()
      const answers = await Promise.all(
        Array.from({ length: uploads }, () =>
          sendAllThenRead(app?.url as string, { bodyBytes, chunked: true }),
        ),
      )
      const taken = app.bytesRead() - before
      // Each connection reads at most the lingering bound (1 MiB at the default
      // maxBodyBytes) and what was in flight: never the upload.
      expect(taken / uploads).toBeLessThan(3 * MiB)
      for (const { answer, serverClosed } of answers) {
        expect(answer).toMatch(/^HTTP\/1\.1 404 /)
        expect(answer.toLowerCase()).toContain('connection: close')
        expect(serverClosed).toBe(true)
      }
      await vi.waitFor(async () => expect(await app?.openConnections()).toBe(0))
      expect(lookup).not.toHaveBeenCalled()
      expect(onEvent).not.toHaveBeenCalled()
    },
  )

  it('a client trickling its body to an early 404 is cut off within bodyTimeoutMs', async () => {
    app = await target.start({
      tenant: () => undefined,
      secret: () => SECRET,
      onError: () => {},
      bodyTimeoutMs: 300,
    })
    const client = trickle(app.url as string)
    try {
      // Lingering is bounded by bodyTimeoutMs too; before, only Node's 300 s requestTimeout.
      await vi.waitFor(() => expect(client.ended()).toBe(true), { timeout: 4000, interval: 50 })
    } finally {
      client.stop()
    }
  })
})

describe('node: the 404 for other paths', () => {
  let server: Server | undefined
  afterEach(async () => {
    server?.closeAllConnections()
    server?.close()
    server = undefined
  })

  it('closes the connection after a bounded read, as the webhook path does', async () => {
    server = createServer(nodeWebhooks({ path: '/webhook', secret: SECRET, onError: () => {} }))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    let taken = 0
    server.on('connection', (socket: Socket) =>
      socket.on('close', () => (taken += socket.bytesRead)),
    )
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/elsewhere`
    const uploads = size(20, 3)
    const answers = await Promise.all(
      Array.from({ length: uploads }, () =>
        sendAllThenRead(url, { bodyBytes: size(64, 16) * MiB, chunked: true }),
      ),
    )
    await vi.waitFor(async () =>
      expect(await new Promise((r) => server?.getConnections((_, n) => r(n)))).toBe(0),
    )
    expect(taken / uploads).toBeLessThan(3 * MiB)
    for (const { answer, serverClosed } of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 404 /)
      expect(serverClosed).toBe(true)
    }
  })
})
