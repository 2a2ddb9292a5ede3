/** What the page shows besides the deliveries. */
interface PageData {
  readonly forwardTo: string
  readonly secretFrom: string
  /** A fixture per event name, to prefill the send form. */
  readonly fixtures: Readonly<Record<string, object>>
}

// JSON inside a <script> element: `<` escaped so no value can close the element.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')

/**
 * The inspector's one page: static markup, and a script that renders rows from the server's
 * event stream with textContent (never HTML from data), and posts the buttons' actions.
 */
export function inspectorPage(data: PageData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inkless inspector</title>
<style>
  :root { font: 14px/1.4 system-ui, sans-serif; color: #1d1d1f; background: #f5f5f7; }
  body { margin: 0; }
  header { background: #1d1d1f; color: #fff; padding: 10px 16px; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0; }
  header code { color: #9fd3ff; }
  main { display: grid; grid-template-columns: 360px 1fr; gap: 16px; padding: 16px; align-items: start; }
  section.panel { background: #fff; border-radius: 8px; padding: 12px; margin-bottom: 12px; box-shadow: 0 1px 2px #0002; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #555; margin: 0 0 8px; }
  label { display: block; margin: 4px 0; }
  input[type=number] { width: 64px; }
  select, textarea { width: 100%; box-sizing: border-box; font: 12px/1.4 ui-monospace, monospace; }
  textarea { height: 190px; }
  button { font: inherit; padding: 4px 10px; border-radius: 6px; border: 1px solid #999; background: #fff; cursor: pointer; }
  button.primary { background: #0a66d8; color: #fff; border-color: #0a66d8; }
  #notice { color: #b00020; min-height: 1.2em; }
  ol#rows { list-style: none; margin: 0; padding: 0; }
  li.row { background: #fff; border-radius: 8px; padding: 8px 12px; margin-bottom: 8px; box-shadow: 0 1px 2px #0002; border-left: 4px solid #2e7d32; }
  li.row.fail { border-left-color: #c62828; }
  li.row.none { border-left-color: #777; }
  .line { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
  .id { color: #777; }
  .kind { font-size: 11px; text-transform: uppercase; background: #eee; border-radius: 4px; padding: 0 6px; }
  .event { font-weight: 600; }
  .token, pre { font: 12px/1.4 ui-monospace, monospace; }
  .status { font-weight: 600; color: #2e7d32; }
  .fail .status { color: #c62828; }
  .note { color: #555; font-style: italic; }
  .explanation { color: #c62828; margin: 4px 0; }
  .actions { margin-left: auto; display: flex; gap: 6px; }
  .actions button { font-size: 12px; padding: 2px 8px; }
  details pre { background: #f5f5f7; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
  .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
</style>
</head>
<body>
<header>
  <h1>Inkless inspector</h1>
  <span>forwarding to <code id="target"></code></span>
  <span>signing with the secret from <code id="secret-from"></code></span>
  <a href="/api/history.json" download style="color:#9fd3ff;margin-left:auto">Export history (JSON)</a>
</header>
<main>
<div>
  <section class="panel">
    <h2>Endpoint</h2>
    <button id="handshake">Handshake</button>
  </section>
  <section class="panel">
    <h2>Send an event</h2>
    <label>Event <select id="event"></select></label>
    <label>Payload (edit any field) <textarea id="payload" spellcheck="false"></textarea></label>
    <button id="send" class="primary"></button>
    <button id="fresh" title="a new document_token and timestamp: not a duplicate">New token and timestamp</button>
  </section>
  <section class="panel">
    <h2>Play an envelope</h2>
    <label>Envelopes <input id="envelopes" type="number" min="1" max="20" value="1"></label>
    <label>Signers <input id="signers" type="number" min="1" max="10" value="2"></label>
    <label>Duplicates (share, 0 to 1) <input id="duplicates" type="number" min="0" max="1" step="0.1" value="0"></label>
    <label>Retries per failure <input id="retries" type="number" min="0" max="5" value="0"></label>
    <label><input id="shuffle" type="checkbox"> Shuffle (deliver out of order)</label>
    <button id="simulate">Play envelope</button>
  </section>
  <p id="notice" role="status"></p>
</div>
<ol id="rows" aria-label="deliveries"></ol>
</main>
<script>
const DATA = ${scriptJson(data)}
const $ = (id) => document.getElementById(id)
$('target').textContent = DATA.forwardTo
$('secret-from').textContent = DATA.secretFrom

function el(tag, className, text) {
  const node = document.createElement(tag)
  if (className) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

async function act(path, body) {
  $('notice').textContent = ''
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) $('notice').textContent = res.status + ': ' + (await res.text())
}

const eventSelect = $('event')
for (const name of Object.keys(DATA.fixtures)) eventSelect.append(new Option(name, name))
const randomToken = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
const now = () => new Date().toISOString().slice(0, 19) + 'Z'
function loadFixture() {
  const name = eventSelect.value
  $('payload').value = JSON.stringify({ ...DATA.fixtures[name], document_token: randomToken(), timestamp: now() }, null, 2)
  $('send').textContent = 'Send ' + name
}
eventSelect.value = 'document_signed'
loadFixture()
eventSelect.addEventListener('change', loadFixture)
$('fresh').addEventListener('click', () => {
  try {
    const payload = JSON.parse($('payload').value)
    $('payload').value = JSON.stringify({ ...payload, document_token: randomToken(), timestamp: now() }, null, 2)
  } catch { loadFixture() }
})
$('handshake').addEventListener('click', () => act('/api/handshake', {}))
$('send').addEventListener('click', () => act('/api/send', { body: $('payload').value }))
$('simulate').addEventListener('click', () => act('/api/simulate', {
  envelopes: Number($('envelopes').value), signers: Number($('signers').value),
  duplicates: Number($('duplicates').value), retries: Number($('retries').value), shuffle: $('shuffle').checked,
}))

const headerLines = (headers) => Object.entries(headers).map(([k, v]) => k + ': ' + v).join('\\n')

function render(row) {
  const li = el('li', 'row')
  li.dataset.id = row.id
  const status = row.response ? row.response.status : undefined
  if (status === undefined) li.classList.add('none')
  else if (status >= 400 || row.explanation) li.classList.add('fail')
  const line = el('div', 'line')
  line.append(
    el('span', 'time', new Date(row.at).toLocaleTimeString()),
    el('span', 'id', '#' + row.id),
    el('span', 'kind', row.kind),
    el('span', 'event', row.event || (row.kind === 'handshake' ? 'verification request' : '')),
    el('span', 'token', row.documentToken || ''),
  )
  const answer = row.response
    ? row.response.status + ' ' + (row.kind === 'handshake' ? (row.explanation ? 'failed' : 'passed') : row.response.body.slice(0, 60))
    : 'no answer'
  line.append(el('span', 'status', answer), el('span', 'latency', row.durationMs.toFixed(1) + ' ms'))
  if (row.note) line.append(el('span', 'note', row.note))
  if (row.kind !== 'handshake') {
    const actions = el('span', 'actions')
    const button = (label, path, body) => {
      const b = el('button', '', label)
      b.addEventListener('click', () => act(path, body))
      actions.append(b)
    }
    button('Redeliver', '/api/redeliver', { id: row.id, mode: 'as-is' })
    button('Re-sign', '/api/redeliver', { id: row.id, mode: 'resign' })
    button('Send forged', '/api/forge', { id: row.id })
    line.append(actions)
  }
  li.append(line)
  if (row.explanation || row.error) li.append(el('div', 'explanation', row.explanation || row.error))
  const details = el('details')
  details.append(el('summary', '', 'request and response'))
  const columns = el('div', 'columns')
  const request = el('div')
  request.append(
    el('strong', '', 'Request'),
    el('pre', 'request', 'POST ' + row.request.url + '\\n' + headerLines(row.request.headers)),
    el('pre', 'request-body', row.request.body),
  )
  if (row.request.headers['x-inkless-signature']) request.append(el('div', 'signature', 'signature ' + row.request.headers['x-inkless-signature']))
  const response = el('div')
  response.append(el('strong', '', 'Response'))
  if (row.response) {
    response.append(
      el('pre', 'response', row.response.status + '\\n' + headerLines(row.response.headers)),
      el('pre', 'response-body', row.response.body),
    )
  } else response.append(el('pre', 'response', row.error || 'no answer'))
  columns.append(request, response)
  details.append(columns)
  li.append(details)
  return li
}

const rows = $('rows')
const stream = new EventSource('/api/stream')
stream.onmessage = (message) => {
  const row = JSON.parse(message.data)
  if (rows.querySelector('li[data-id="' + row.id + '"]')) return
  rows.prepend(render(row))
}
</script>
</body>
</html>
`
}
