import { describe, expect, it } from 'vitest'
import * as node from '../src/index.js'
import { signPayload } from '../src/index.js'
import { eventBody, platforms, SECRET } from './helpers.js'

const body = eventBody('document_signed')
const signature = signPayload(body, SECRET)
const AT = Date.parse('2026-03-11T23:25:31Z')

describe.each(platforms)('constructEventAsync (%s)', (_name, core) => {
  it('returns the verified, typed event', async () => {
    const event = await core.constructEventAsync(body, signature, SECRET)
    expect(event).toMatchObject({ event: 'document_signed', secure_link_id: 271 })
    // Bytes and a secret list (rotation) work too.
    const bytes = new TextEncoder().encode(body)
    await expect(
      core.constructEventAsync(bytes, signature, ['whsec_old', SECRET]),
    ).resolves.toMatchObject({ event: 'document_signed' })
  })

  it('returns an unknown event as it is', async () => {
    const unknown = eventBody('document_voided')
    await expect(
      core.constructEventAsync(unknown, signPayload(unknown, SECRET), SECRET),
    ).resolves.toMatchObject({ event: 'document_voided' })
  })

  it('throws signature_rejected for a wrong, missing or malformed signature', async () => {
    for (const header of [signPayload(body, 'whsec_other'), undefined, 'not base64', 42]) {
      await expect(core.constructEventAsync(body, header, SECRET)).rejects.toMatchObject({
        name: 'InklessWebhookError',
        code: 'signature_rejected',
      })
    }
    await expect(core.constructEventAsync(`${body} `, signature, SECRET)).rejects.toMatchObject({
      code: 'signature_rejected',
    })
  })

  it('throws invalid_payload for a signed body that is not an event, or the handshake', async () => {
    for (const bad of ['not json', '{"event":""}', '{"verification_secret":"abc"}']) {
      await expect(
        core.constructEventAsync(bad, signPayload(bad, SECRET), SECRET),
      ).rejects.toMatchObject({ code: 'invalid_payload' })
    }
  })

  it('throws stale_timestamp outside toleranceMs, and accepts inside', async () => {
    const options = { toleranceMs: 300_000, now: () => AT + 301_000 }
    await expect(core.constructEventAsync(body, signature, SECRET, options)).rejects.toMatchObject({
      code: 'stale_timestamp',
    })
    await expect(
      core.constructEventAsync(body, signature, SECRET, { ...options, now: () => AT + 299_000 }),
    ).resolves.toMatchObject({ event: 'document_signed' })
  })

  it('toleranceSeconds, its deprecated name, still works in seconds; both names: a TypeError', async () => {
    const late = { toleranceSeconds: 300, now: () => AT + 301_000 }
    await expect(core.constructEventAsync(body, signature, SECRET, late)).rejects.toMatchObject({
      code: 'stale_timestamp',
    })
    await expect(
      core.constructEventAsync(body, signature, SECRET, { ...late, now: () => AT + 299_000 }),
    ).resolves.toMatchObject({ event: 'document_signed' })
    const both = { toleranceMs: 300_000, toleranceSeconds: 300 }
    await expect(core.constructEventAsync(body, signature, SECRET, both)).rejects.toThrow(
      /^inkless-webhooks: toleranceMs and toleranceSeconds are one option/,
    )
  })
})

describe('constructEvent (synchronous)', () => {
  it('node:crypto: returns the event or throws, without a promise', () => {
    expect(node.constructEvent(body, signature, SECRET)).toMatchObject({ event: 'document_signed' })
    expect(() => node.constructEvent(body, 'bad', SECRET)).toThrow(
      expect.objectContaining({ code: 'signature_rejected' }),
    )
  })

  it('Web Crypto: says to use constructEventAsync', async () => {
    const web = await import('../src/web.js')
    expect(() => web.constructEvent(body, signature, SECRET)).toThrow(/constructEventAsync/)
  })
})
