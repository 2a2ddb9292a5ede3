// The Node body read with `raw-body` instead of core's own reader, for the benchmarks that
// weigh the two (bench/http.mjs, bench/micro.mjs): how the node adapter read bodies when it
// used raw-body (docs/performance.md, "Notes on dependencies", has the figures).
import { wholeBody } from '@inkless-webhooks/core/adapter'
import getRawBody from 'raw-body'

/**
 * `req`'s body as core's `rawBody`, read lazily by raw-body (its limit and declared-length
 * check) once core asks for it; at core's deadline raw-body's 'data' listener is detached and
 * the stream paused, so the lingering close reads the rest.
 */
export function readWithRawBody(req) {
  let reading
  return wholeBody(
    (limit) => {
      const listening = req.listenerCount('data')
      const body = getRawBody(req, { length: req.headers['content-length'], limit })
      if (req.listenerCount('data') > listening) reading = req.listeners('data').at(-1)
      return body
    },
    () => {
      req.pause()
      if (reading) req.off('data', reading)
    },
  )
}
