import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventBody, SECRET, signed } from './support/deliveries.js'
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
  { method = 'POST', bodyBytes }: { method?: string; bodyBytes: number },
): Promise<{ answer: string; writeError?: string }> {
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
  socket.write(
    `${method} ${pathname} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${bodyBytes}\r\n${Object.entries(
      headers,
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`,
  )
  const chunk = Buffer.alloc(64 * 1024, 0x61)
  for (let sent = 0; sent < bodyBytes && !writeError && !socket.destroyed; sent += chunk.length) {
    if (!socket.write(chunk)) await Promise.race([once(socket, 'drain').catch(() => {}), closed])
  }
  // Only now read, as Python's http.client or a shell `curl --data-binary` would.
  await Promise.race([answered, closed, new Promise((r) => setTimeout(r, 8000))])
  socket.destroy()
  return { answer: Buffer.concat(received).toString('latin1'), writeError }
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

  it('413 and 405 are readable by a client that sends its whole 8 MiB body first', async () => {
    const onEvent = vi.fn()
    app = await target.start({ secret: SECRET, onError: () => {}, onEvent })
    const url = app.url as string
    // A write error is where Python's sendall raises BrokenPipe and the answer is never read.
    for (let i = 0; i < 3; i++) {
      const { answer, writeError } = await sendAllThenRead(url, { bodyBytes: 8 * MiB })
      expect(writeError).toBeUndefined()
      expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    }
    const { answer, writeError } = await sendAllThenRead(url, { method: 'PUT', bodyBytes: 8 * MiB })
    expect(writeError).toBeUndefined()
    expect(answer).toMatch(/^HTTP\/1\.1 405 /)
    expect(onEvent).not.toHaveBeenCalled()
  })

  it('a 100 MiB upload is still cut off: the server reads at most ~16 MiB of it', async () => {
    app = await target.start({ secret: SECRET, onError: () => {} })
    const before = app.bytesRead()
    const { answer, writeError } = await sendAllThenRead(app.url as string, {
      bodyBytes: 100 * MiB,
    })
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(writeError).toMatch(/^(EPIPE|ECONNRESET)$/)
    expect(app.bytesRead() - before).toBeLessThan(20 * MiB)
  })
})
