import type { Deadline } from './deadlines.js'

const consumedFix = Symbol.for('inkless-webhooks.body-consumed')

/** The exact bytes Inkless signed, as bytes or as the text they decode to. */
export type RawBody = Uint8Array | string

/** Marks a request whose body an upstream parser already read without keeping the bytes. */
export interface ConsumedBody {
  /** The fix to name in the 500 answer, under a symbol so no parsed body is mistaken for it. */
  readonly [consumedFix]: string
}

/** What an adapter hands to `handle()`: the bytes, a stream of them, or a consumed marker. */
export type BodySource =
  | RawBody
  | AsyncIterable<Uint8Array | string>
  | ReadableStream<Uint8Array>
  | ConsumedBody

/** A body still to be read: an async iterable (a Node stream) or a Web stream. */
export type BodyStream = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>

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
 * The body for a request whose bytes an upstream parser consumed: `handle()` answers 500
 * with `fix`, which tells the user how to keep the raw body with this framework.
 */
export const consumedBody = (fix: string): ConsumedBody => ({ [consumedFix]: fix })

const PARSED_FIX =
  'pass the raw request bytes (a Buffer, Uint8Array or string), not the parsed body.'

/** True for bytes or a stream of them; false for a consumed marker or a parsed body. */
export function isReadableBody(source: BodySource): source is RawBody | BodyStream {
  if (typeof source !== 'object' || source === null || source instanceof Uint8Array) return true
  return !(consumedFix in source) && (Symbol.asyncIterator in source || 'getReader' in source)
}

/** The fix to report for a body that is not readable (see {@link isReadableBody}). */
export const consumedBodyFix = (source: object): string =>
  consumedFix in source ? (source as ConsumedBody)[consumedFix] : PARSED_FIX

/** The body, or why it was not read to the end. */
export type ReadResult = RawBody | 'too-large' | 'timeout'

const encoder = new TextEncoder()

/** Bytes already in memory, or 'too-large'. */
export function withinLimit(source: RawBody, limit: number): RawBody | 'too-large' {
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
 * Collects a body, stopping as soon as it exceeds `limit` bytes or its deadline passes: the
 * rest is never read. A Node stream is paused and detached, not destroyed, so the server can
 * still answer 413 or 408; a Web stream is cancelled.
 */
export function readBody(
  source: BodyStream,
  limit: number,
  deadline: Deadline,
): Promise<ReadResult> {
  // By its mark, not `instanceof`: the Node and Web builds each hold a copy of this class.
  if ((source as Partial<WholeBody>)[wholeRead])
    return readWhole(source as WholeBody, limit, deadline)
  const collector = new Collector(limit)
  return isNodeReadable(source)
    ? readNodeStream(source, collector, deadline)
    : readWebOrIterable(source, collector, deadline)
}

const wholeRead = Symbol.for('inkless-webhooks.whole-body')

/** A {@link wholeBody}: the read, and how to stop it at the deadline; one object per body. */
class WholeBody implements AsyncIterable<Uint8Array> {
  readonly [wholeRead] = true
  constructor(
    readonly read: (limit: number) => Promise<ArrayBuffer | Uint8Array>,
    readonly stop: (() => void) | undefined,
  ) {}

  async *[Symbol.asyncIterator]() {
    yield bytesOf(await this.read(Number.POSITIVE_INFINITY))
  }
}

const bytesOf = (body: ArrayBuffer | Uint8Array) =>
  body instanceof Uint8Array ? body : new Uint8Array(body)

/**
 * A body read in one call, such as a Fetch `Request`'s `arrayBuffer()` once the server has
 * bounded it by its declared length, or `raw-body` over a Node request: core calls
 * `read(limit)` when it wants the body, under the same size limit and deadline as a stream,
 * without iterating over one chunk. A read that rejects with an error whose `status` is 413
 * (as `raw-body`'s does past its `limit`) is answered 413; any other rejection is an
 * unreadable body (400). `stop` is called if the deadline passes first, to stop reading
 * (its answer is then 408). Other readers see an async iterable of that one chunk, read
 * without a limit.
 */
export function wholeBody(
  read: (limit: number) => Promise<ArrayBuffer | Uint8Array>,
  stop?: () => void,
): AsyncIterable<Uint8Array> {
  return new WholeBody(read, stop)
}

const isTooLarge = (error: unknown) => (error as { status?: unknown } | null)?.status === 413

function readWhole(
  { read, stop }: WholeBody,
  limit: number,
  deadline: Deadline,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const cancel = deadline(() => {
      stop?.()
      resolve('timeout')
    })
    read(limit).then(
      (body) => {
        cancel()
        resolve(withinLimit(bytesOf(body), limit))
      },
      (error: unknown) => {
        cancel()
        if (isTooLarge(error)) resolve('too-large')
        else reject(error)
      },
    )
  })
}

/** Reads a Node.js stream through its 'data' events, several times cheaper than its iterator. */
function readNodeStream(
  stream: NodeReadable,
  collector: Collector,
  deadline: Deadline,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    let settled = false
    const stop = (result: ReadResult) => {
      settled = true
      cancel()
      resolve(result)
    }
    const detach = (result: ReadResult) => {
      stream.pause()
      stream.off('data', onData)
      stop(result)
    }
    const onData = (chunk: Uint8Array | string) => {
      if (!collector.add(chunk)) detach('too-large')
    }
    const cancel = deadline(() => detach('timeout'))
    // Listeners stay attached after the end (detaching costs more than it saves); 'close'
    // then fires on every request, so it only builds an error if the body never ended.
    stream.on('data', onData)
    stream.on('end', () => stop(collector.result()))
    stream.on('close', () => {
      if (settled) return
      settled = true
      cancel()
      reject(new Error('the request was closed before its body ended'))
    })
    stream.on('error', (error) => {
      cancel()
      reject(error)
    })
  })
}

const TIMED_OUT = Symbol('timed out')

async function readWebOrIterable(
  source: BodyStream,
  collector: Collector,
  deadline: Deadline,
): Promise<ReadResult> {
  let cancel = () => {}
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    cancel = deadline(() => resolve(TIMED_OUT))
  })
  try {
    if ('getReader' in source) {
      // A Web stream, read directly: cheaper than its async iterator, and portable to
      // runtimes whose streams are not async iterable.
      const reader = source.getReader()
      while (true) {
        const next = await Promise.race([reader.read(), timedOut])
        if (next === TIMED_OUT || (!next.done && !collector.add(next.value))) {
          reader.cancel().catch(() => {})
          return next === TIMED_OUT ? 'timeout' : 'too-large'
        }
        if (next.done) break
      }
    } else {
      const iterator = source[Symbol.asyncIterator]()
      while (true) {
        const next = await Promise.race([iterator.next(), timedOut])
        if (next === TIMED_OUT || (!next.done && !collector.add(next.value))) {
          iterator.return?.()?.catch(() => {})
          return next === TIMED_OUT ? 'timeout' : 'too-large'
        }
        if (next.done) break
      }
    }
    return collector.result()
  } finally {
    cancel()
  }
}
