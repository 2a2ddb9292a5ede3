import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'

export interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface SendOptions {
  method?: string
  headers?: Record<string, string | number>
  body?: string | Uint8Array
  /** Send the body as these chunks, without Content-Length (chunked transfer encoding). */
  chunks?: (string | Uint8Array)[]
  /** Pause between chunks, ms. */
  chunkDelayMs?: number
}

/** One request over a real socket; resolves with the full answer. */
export function send(url: string, options: SendOptions = {}): Promise<Answer> {
  const { method = 'POST', headers = {}, body, chunks, chunkDelayMs = 0 } = options
  return new Promise((resolve, reject) => {
    // An explicit length: Node's client would send a DELETE body chunked, which its server refuses.
    const length = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }
    const req = httpRequest(
      url,
      { method, headers: { ...length, ...headers }, agent: false },
      (res) => {
        const parts: Buffer[] = []
        res.on('data', (c: Buffer) => parts.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (chunks) {
      void (async () => {
        for (const chunk of chunks) {
          req.write(chunk)
          if (chunkDelayMs) await new Promise((r) => setTimeout(r, chunkDelayMs))
        }
        req.end()
      })()
    } else {
      req.end(body)
    }
  })
}

/**
 * Streams `totalBytes` to the server without waiting, as a client uploading a huge body
 * would. Resolves with the status if an answer arrived, or 'reset' if the server closed
 * the connection first; it never waits for the whole body to be accepted.
 */
export function upload(
  url: string,
  totalBytes: number,
  headers: Record<string, string | number>,
  { declareLength }: { declareLength: boolean },
): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    let sent = 0
    let settled = false
    const finish = (result: number | 'reset') => {
      if (settled) return
      settled = true
      resolve(result)
      req.destroy()
    }
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: declareLength ? { ...headers, 'content-length': totalBytes } : headers,
      },
      (res) => {
        res.resume()
        finish(res.statusCode ?? 0)
      },
    )
    req.on('error', () => finish('reset'))
    req.on('close', () => finish('reset'))
    const pump = () => {
      while (!settled && sent < totalBytes) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      if (!settled) req.end()
    }
    // With a declared length, give the server the chance to answer from the headers alone.
    if (declareLength) req.flushHeaders()
    setTimeout(pump, declareLength ? 50 : 0)
  })
}
