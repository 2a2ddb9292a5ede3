import { pino } from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { eventBody, platforms, post } from './helpers.js'

// Where a report goes when the request's logger would discard it, and what the console shows.

describe.each(platforms)('%s', (_platform, { createInklessWebhooks }) => {
  it("a request logger at 'silent' is passed over: the failure reaches the console", async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const w = createInklessWebhooks({
      secret: 'whsec_core_test_secret',
      onEvent: () => {
        throw 'not an Error' // a thrown string has no stack: its text is shown
      },
    })
    const silent = pino({ level: 'silent' })
    expect((await w.handle(post(eventBody()), { logger: silent })).status).toBe(500)
    expect(error.mock.calls.map(([text]) => String(text).split('\n'))).toEqual([
      [
        '[inkless-webhooks] 1 listener(s) failed for "document_signed": onEvent (not an Error)',
        'not an Error',
      ],
    ])
    error.mockRestore()
  })

  it('a lookup returning an object without an id is a failed lookup (503), not a match', async () => {
    const onError = vi.fn()
    const body = eventBody()
    const w = createInklessWebhooks({
      tenant: () => 'acme',
      secret: () => ({ secret: 'whsec_core_test_secret' }) as unknown as string,
      onError,
    })
    expect((await w.handle(post(body))).status).toBe(503)
    expect(onError.mock.calls[0]?.[0].cause.message).toMatch(/without a string `id`/)
  })

  it('unknownTenant takes its two values only', () => {
    expect(() => createInklessWebhooks({ unknownTenant: 401 as unknown as 'not-found' })).toThrow(
      /^inkless-webhooks: unknownTenant must be 'not-found' or 'invalid-signature'/,
    )
  })
})
