import type { RawBody } from './signature.js'

const consumedFix = Symbol.for('inkless-webhooks.body-consumed')

/** Marks a request whose body an upstream parser already read without keeping the bytes. */
export interface ConsumedBody {
  readonly [consumedFix]: string
}

/** What an adapter hands to `handle()`: the bytes, a stream of them, or a consumed marker. */
export type BodySource =
  | RawBody
  | AsyncIterable<Uint8Array | string>
  | ReadableStream<Uint8Array>
  | ConsumedBody

type Stream = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>

/** The event interface of a Node.js Readable (an IncomingMessage), duck-typed. */
interface NodeReadable {
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown
  on(event: 'end' | 'close', listener: () => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  off(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown
  pause(): unknown
}

const isNodeReadable = (source: object): source is NodeReadable =>
  typeof (source as { pause?: unknown }).pause === 'function' &&
  typeof (source as { on?: unknown }).on === 'function'

/**
 * Reads a Node.js stream through its 'data' events, several times cheaper than its async
 * iterator. Over the limit it pauses and detaches without destroying the stream, so the
 * server can still answer 413 (and close the connection instead of reading the rest).
 */
function readNodeStream(stream: NodeReadable, collector: Collector): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (result: ReadResult) => {
      settled = true
      resolve(result)
    }
    const onData = (chunk: Uint8Array | string) => {
      if (collector.add(chunk)) return
      stream.pause()
      stream.off('data', onData)
      settle('too-large')
    }
    // Listeners stay attached after the end (detaching costs more than it saves); 'close'
    // then fires on every request, so it only builds an error if the body never ended.
    stream.on('data', onData)
    stream.on('end', () => settle(collector.result()))
    stream.on('close', () => {
      if (!settled) reject(new Error('the request was closed before its body ended'))
    })
    stream.on('error', reject)
  })
}

/** `fix` tells the user how to keep the raw body (it becomes part of the 500 answer). */
export const consumedBody = (fix: string): ConsumedBody => ({ [consumedFix]: fix })

const PARSED_FIX =
  'pass the raw request bytes (a Buffer, Uint8Array or string), not the parsed body.'

/** The fix to report when the body is not raw bytes any more; undefined when it is. */
export function consumedBodyFix(source: unknown): string | undefined {
  if (typeof source !== 'object' || source === null || source instanceof Uint8Array)
    return undefined
  if (consumedFix in source) return (source as ConsumedBody)[consumedFix]
  return Symbol.asyncIterator in source || 'getReader' in source ? undefined : PARSED_FIX
}

export type ReadResult = RawBody | 'too-large'

const encoder = new TextEncoder()

/** Bytes already in memory, or 'too-large'. */
export function withinLimit(source: RawBody, limit: number): ReadResult {
  if (typeof source === 'string') {
    // A UTF-16 unit takes 1 to 3 UTF-8 bytes: only count the bytes when it is not obvious.
    if (source.length * 3 <= limit) return source
    return source.length > limit || encoder.encode(source).byteLength > limit ? 'too-large' : source
  }
  return source.byteLength > limit ? 'too-large' : source
}

/** Keeps chunks until they pass `limit`; then says the body is too large. */
class Collector {
  private readonly chunks: Uint8Array[] = []
  private total = 0
  constructor(private readonly limit: number) {}

  /** False once the body is over the limit: stop reading. */
  add(chunk: Uint8Array | string): boolean {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk
    this.total += bytes.byteLength
    this.chunks.push(bytes)
    return this.total <= this.limit
  }

  result(): ReadResult {
    if (this.total > this.limit) return 'too-large'
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array
    const body = new Uint8Array(this.total)
    let offset = 0
    for (const chunk of this.chunks) {
      body.set(chunk, offset)
      offset += chunk.byteLength
    }
    return body
  }
}

/**
 * Collects a body, stopping as soon as it exceeds `limit` bytes: the stream is cancelled
 * (or the iterator returned) early, so the remaining bytes are never read.
 */
export function readBody(source: Stream, limit: number): Promise<ReadResult> {
  const collector = new Collector(limit)
  return isNodeReadable(source)
    ? readNodeStream(source, collector)
    : readWebOrIterable(source, collector)
}

async function readWebOrIterable(source: Stream, collector: Collector): Promise<ReadResult> {
  if ('getReader' in source) {
    // A Web stream, read directly: cheaper than its async iterator, and portable to
    // runtimes whose streams are not async iterable.
    const reader = source.getReader()
    while (true) {
      const { done, value } = await reader.read()
      if (done) break
      if (!collector.add(value)) {
        reader.cancel().catch(() => {})
        break
      }
    }
  } else {
    for await (const chunk of source) if (!collector.add(chunk)) break
  }
  return collector.result()
}
