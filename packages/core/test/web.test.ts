import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as nodeCrypto from '../src/crypto-node.js'
import * as webCrypto from '../src/crypto-web.js'
import * as node from '../src/index.js'
import * as web from '../src/web.js'

describe('Web Crypto build', () => {
  it('agrees with node:crypto on signatures for random bodies and secrets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 4096 }), fc.string({ maxLength: 1024 })),
        fc.string({ minLength: 1, maxLength: 64 }),
        async (body, secret) => {
          const sig = node.signPayload(body, secret)
          expect(await web.signPayloadAsync(body, secret)).toBe(sig)
          expect(await web.verifySignatureAsync(body, sig, secret)).toBe(true)
          expect(await web.verifySignatureAsync(body, sig, `${secret}x`)).toBe(false)
          expect(await node.verifySignatureAsync(body, sig, [secret])).toBe(true)
          expect(await node.signPayloadAsync(body, secret)).toBe(sig)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('rejects what node:crypto rejects, and never rejects its promise', async () => {
    const body = '{"event":"document_signed"}'
    const sig = node.signPayload(body, 's')
    const bumped = `${sig.slice(0, 42)}${String.fromCharCode(sig.charCodeAt(42) + 1)}=`
    for (const header of [undefined, 42, '', 'x', `${sig}=`, bumped, sig.replace(/[+/]/g, '-')]) {
      expect(await web.verifySignatureAsync(body, header, 's')).toBe(
        node.verifySignature(body, header, 's'),
      )
    }
    expect(await web.verifySignatureAsync({} as string, sig, 's')).toBe(false)
    expect(await web.verifySignatureAsync(body, sig, 42 as unknown as string)).toBe(false)
    expect(await web.verifySignatureAsync(body, sig, ['', 7 as unknown as string, 's'])).toBe(true)
  })

  it('verifies webhook-sized bodies synchronously, and larger ones with Web Crypto', async () => {
    // 16 KiB is where verification moves from JavaScript to crypto.subtle: both sides of it.
    for (const size of [0, 135, 16 * 1024, 16 * 1024 + 1, 100 * 1024]) {
      const body = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff)
      const sig = node.signPayload(body, 'whsec_k')
      const verified = webCrypto.verifyWeb(body, sig, ['other', 'whsec_k'])
      expect(typeof verified === 'boolean', `${size} bytes`).toBe(size <= 16 * 1024)
      expect(await verified, `${size} bytes`).toBe(true)
      expect(await webCrypto.verifyWeb(body, sig, ['other']), `${size} bytes`).toBe(false)
      if (size === 0) continue
      const flipped = body.slice()
      flipped[size - 1] = (flipped[size - 1] as number) ^ 1
      expect(await webCrypto.verifyWeb(flipped, sig, 'whsec_k'), `${size} bytes`).toBe(false)
    }
  })

  it('computes dedupe keys synchronously, equal to those of the node:crypto build', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(webCrypto.digest(text)).toBe(nodeCrypto.digest(text))
      }),
      { numRuns: 500 },
    )
  })

  it('its synchronous functions say which async one to use', () => {
    expect(() => web.verifySignature('x', 'y', 's')).toThrow(/verifySignatureAsync/)
    expect(() => web.signPayload('x', 's')).toThrow(/signPayloadAsync/)
  })

  it('keeps many secrets working through its bounded key cache', async () => {
    for (let i = 0; i < 80; i++) {
      const secret = `k${i}`
      expect(await web.verifySignatureAsync('b', node.signPayload('b', secret), secret)).toBe(true)
    }
  })

  it('loads nothing from node: (safe for Workers and edge runtimes)', () => {
    // Walk the built ESM graph from dist/web.mjs, into @noble/hashes, collecting every import.
    const dist = join(import.meta.dirname, '../dist')
    const seen = new Set<string>()
    const specifiers: string[] = []
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const code = readFileSync(file, 'utf8')
      for (const [, spec] of code.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']/g)) {
        specifiers.push(spec as string)
        if (spec?.startsWith('.')) visit(join(dirname(file), spec))
        else visit(createRequire(file).resolve(spec as string))
      }
    }
    visit(join(dist, 'web.mjs'))
    expect(seen.size).toBeGreaterThan(1)
    const packages = specifiers.filter((s) => !s.startsWith('.'))
    // @noble/hashes is walked too: its files import only each other.
    expect(packages.filter((s) => !s.startsWith('@noble/hashes/'))).toEqual([])
    expect(packages).toContain('@noble/hashes/sha2.js')
  })
})
