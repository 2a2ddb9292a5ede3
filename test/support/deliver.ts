import { sendWebhook } from '@inkless-webhooks/testing'
import { SECRET } from './deliveries.js'

/**
 * Delivers every body as Inkless does: `concurrency` at a time, each retried after a
 * non-2xx (with a short backoff) until it gets one. `urls()` may list several instances;
 * attempts rotate through them. Returns how many times each status was seen.
 */
export async function deliverAll(
  bodies: readonly string[],
  urls: () => readonly string[],
  {
    concurrency = 64,
    maxAttempts = 400,
    // Pass a map to watch the answers as they come (the count of each status so far).
    statuses = new Map<number, number>(),
  } = {},
): Promise<Map<number, number>> {
  let next = 0
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++
      const body = bodies[i] as string
      for (let attempt = 0; ; attempt++) {
        const all = urls()
        const url = all[(i + attempt) % all.length] as string
        const res = await sendWebhook(url, body, { secret: SECRET }).catch(() => undefined)
        const status = res?.status ?? 0
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (res?.ok) break
        if (attempt >= maxAttempts)
          throw new Error(`delivery ${i} never succeeded (last status ${status})`)
        await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** attempt, 250)))
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return statuses
}
