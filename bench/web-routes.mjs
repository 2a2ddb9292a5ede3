// The two routes measured on Deno (Deno.serve) and workerd, where core runs its Web Crypto
// build: the fetch adapter with default options, and the same work written by hand with
// Web Crypto (HMAC-SHA256, base64, a constant-time comparison, JSON.parse). bench/http.mjs
// serves them; bench/worker.mjs wraps them as a Workers module.
import { inklessWebhooks } from '@inkless-webhooks/fetch'

export const adapterRoute = (secret, onDocumentSigned) =>
  inklessWebhooks({ secret, onDocumentSigned })

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function handWrittenRoute(secret, onDocumentSigned) {
  const key = crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const answer = (status) =>
    new Response(status === 200 ? 'ok' : 'invalid', {
      status,
      headers: { 'content-type': 'text/plain' },
    })
  return async (request) => {
    const raw = new Uint8Array(await request.arrayBuffer())
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key, raw))
    const computed = btoa(String.fromCharCode(...mac))
    const signature = request.headers.get('x-inkless-signature') ?? ''
    let difference = computed.length ^ signature.length
    for (let i = 0; i < computed.length; i++)
      difference |= computed.charCodeAt(i) ^ signature.charCodeAt(i)
    if (difference !== 0) return answer(401)
    const event = JSON.parse(decoder.decode(raw))
    if (event.event === 'document_signed') onDocumentSigned(event)
    return answer(200)
  }
}
