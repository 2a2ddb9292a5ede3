// `inkless-webhooks dev` in a real browser: Debian's Chromium driven by playwright-core, the
// inspector and the Express example as child processes, as a user runs them.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, cli } from './support/cli.js'
import { SECRET } from './support/deliveries.js'
import { Example } from './support/examples.js'

const root = join(import.meta.dirname, '..')
let server: Example
let inspector: Example
let browser: BrowserContext
let page: Page
const profile = mkdtempSync(join(tmpdir(), 'inkless-chromium-'))

beforeAll(async () => {
  server = await Example.start('express')
  inspector = await Example.spawn([CLI, 'dev', '--forward-to', server.url, '--port', '0'], {
    cwd: root,
    env: { INKLESS_WEBHOOK_SECRET: SECRET },
    ready: /^inspector: (\S+)/,
  })
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  })
  page = browser.pages()[0] ?? (await browser.newPage())
  await page.goto(inspector.url)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await inspector?.stop()
  await server?.stop()
  rmSync(profile, { recursive: true, force: true })
})

/** The row of delivery `id` once the page shows it (it arrives over the event stream). */
async function row(id: number) {
  const locator = page.locator(`li[data-id="${id}"]`)
  await locator.waitFor()
  return {
    locator,
    status: (await locator.locator('.status').textContent()) ?? '',
    text: (await locator.locator('.line').textContent()) ?? '',
    explanation: (await locator.locator('.explanation').count())
      ? await locator.locator('.explanation').textContent()
      : undefined,
  }
}

describe('inkless-webhooks dev in Chromium, forwarding to the Express example', () => {
  it('handshake, send, edit and send, redeliver (a duplicate), send forged (a 401, explained)', async () => {
    await page.getByRole('button', { name: 'Handshake' }).click()
    expect((await row(1)).status).toBe('200 passed')

    const payload = page.locator('#payload')
    const fixture = JSON.parse(await payload.inputValue())
    expect(fixture).toMatchObject({ event: 'document_signed' })
    await page.getByRole('button', { name: 'Send document_signed' }).click()
    const sent = await row(2)
    expect(sent.status).toBe('200 ok')
    expect(sent.text).toContain(fixture.document_token)

    // Edit fields in the prefilled payload, as a user would, then send it.
    const edited = { ...fixture, document_token: 'tok_edited', secure_link_id: 4242 }
    await payload.fill(JSON.stringify(edited, null, 2))
    await page.getByRole('button', { name: 'Send document_signed' }).click()
    const third = await row(3)
    expect(third.status).toBe('200 ok')
    expect(third.text).toContain('tok_edited')
    // The exact request, as sent: its body is the edited text, its signature shown.
    await third.locator.locator('summary').click()
    expect(await third.locator.locator('.request-body').textContent()).toBe(
      JSON.stringify(edited, null, 2),
    )
    expect(await third.locator.locator('.signature').textContent()).toMatch(/^signature \S{44}$/)

    await third.locator.getByRole('button', { name: 'Redeliver' }).click()
    const again = await row(4)
    expect(again.status).toBe('200 duplicate')
    expect(again.text).toContain('#3 as-is')

    await third.locator.getByRole('button', { name: 'Send forged' }).click()
    const forged = await row(5)
    expect(forged.status).toBe('401 invalid signature')
    expect(forged.explanation).toBe(
      '401 invalid signature: is INKLESS_WEBHOOK_SECRET (no --secret given) the webhook secret configured on the server?',
    )

    // Newest first, live.
    const ids = await page
      .locator('li.row')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id))
    expect(ids).toEqual(['5', '4', '3', '2', '1'])
    // What the example ran: each signature once; not the duplicate, not the forged copy.
    expect(server.logged('document_signed')).toEqual([
      `document_signed: signer ${fixture.secure_link_id} signed ${fixture.document_token}`,
      'document_signed: signer 4242 signed tok_edited',
    ])

    if (process.env.INKLESS_SCREENSHOT) {
      await page.screenshot({ path: join(root, 'docs/inspector.png'), fullPage: false })
    }
  }, 60_000)

  it('the exported history replays with `inkless-webhooks replay`', async () => {
    const res = await fetch(new URL('/api/history.json', inspector.url))
    const history = await res.json()
    expect(history.deliveries.map((d: { kind: string }) => d.kind)).toEqual([
      'handshake',
      'event',
      'event',
      'redelivery',
      'forged',
    ])
    const dir = mkdtempSync(join(tmpdir(), 'inkless-history-'))
    writeFileSync(join(dir, 'history.json'), JSON.stringify(history))
    const replayed = await cli(['replay', join(dir, 'history.json'), '--to', server.url])
    rmSync(dir, { recursive: true, force: true })
    // As-is: every event a duplicate now, the forged copy still a 401.
    expect(replayed.stdout.split('\n').slice(0, 5)).toEqual([
      expect.stringMatching(/^#1 handshake {2}200 /),
      expect.stringMatching(/^#2 document_signed {2}200 duplicate/),
      expect.stringMatching(/^#3 document_signed {2}200 duplicate/),
      expect.stringMatching(/^#4 document_signed {2}200 duplicate/),
      expect.stringMatching(/^#5 document_signed \(forged\) {2}401 invalid signature/),
    ])
    expect(server.logged('document_signed')).toHaveLength(2)
  })

  it("refuses what a page on another site, or a rebound DNS name, sends to the inspector's API", async () => {
    const { port } = new URL(inspector.url)
    const call = (path: string, headers: Record<string, string>, method = 'POST', body = '{}') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
          let text = ''
          res.setEncoding('utf8').on('data', (chunk) => {
            text += chunk
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        })
        req.on('error', reject).end(method === 'POST' ? body : undefined)
      })
    const json = { 'content-type': 'application/json' }
    expect(await call('/', { host: 'attacker.example:80' }, 'GET')).toEqual({
      status: 421,
      body: 'unknown Host',
    })
    expect(await call('/api/handshake', { ...json, origin: 'http://attacker.example' })).toEqual({
      status: 403,
      body: 'cross-origin requests are refused',
    })
    expect(await call('/api/handshake', { 'content-type': 'text/plain' })).toEqual({
      status: 415,
      body: 'send application/json',
    })
    expect(await call('/api/send', json, 'POST', '{"body":"[1,2]"}')).toEqual({
      status: 400,
      body: 'the payload must be a JSON object',
    })
    expect(await call('/api/send', json, 'POST', '{"body":')).toEqual({
      status: 400,
      body: 'the request body is not JSON',
    })
    expect(await call('/api/redeliver', json, 'POST', '{"id":99,"mode":"as-is"}')).toEqual({
      status: 404,
      body: 'no delivery #99 in this session',
    })
    expect(await call('/api/simulate', json, 'POST', '{"signers":1000}')).toEqual({
      status: 400,
      body: 'signers must be an integer from 1 to 10',
    })
    expect((await call('/api/send', json, 'GET')).status).toBe(405)
    expect((await call('/nope', json, 'GET')).status).toBe(404)
    // None of it reached the example.
    expect(server.logged('document_signed')).toHaveLength(2)
  })

  it("re-sign (a new delivery, run again) and play an envelope with simulate's options", async () => {
    const third = page.locator('li[data-id="3"]')
    await third.getByRole('button', { name: 'Re-sign' }).click()
    const resigned = await row(6)
    expect(resigned.status).toBe('200 ok')
    expect(resigned.text).toContain('#3 re-signed with a new timestamp')
    expect(server.logged('document_signed')).toEqual([
      expect.any(String),
      'document_signed: signer 4242 signed tok_edited',
      'document_signed: signer 4242 signed tok_edited',
    ])

    await page.locator('#signers').fill('1')
    await page.getByRole('button', { name: 'Play envelope' }).click()
    // One signer's ten events, then document_complete and envelope_complete: rows 7 to 18.
    await row(18)
    const played = await page
      .locator('li.row')
      .evaluateAll((rows) =>
        rows
          .filter((r) => Number((r as HTMLElement).dataset.id) >= 7)
          .map((r) => [
            r.querySelector('.event')?.textContent,
            r.querySelector('.status')?.textContent,
            r.querySelector('.token')?.textContent,
          ]),
      )
    expect(played).toHaveLength(12)
    expect(played.map(([, status]) => status)).toEqual(Array(12).fill('200 ok'))
    expect(played[0]?.[0]).toBe('envelope_complete')
    const token = played[0]?.[2] as string
    expect(server.logged('document_complete')).toEqual([
      `document_complete: archive ready for ${token}`,
    ])
    expect(server.logged('envelope_complete')).toEqual([
      `envelope_complete: ${token} is fully signed`,
    ])
  })
})
