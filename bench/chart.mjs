// The chart beside RESULTS.md: the ratios of one `pnpm bench` run, read back from the tables
// the benchmarks printed, drawn with Vega-Lite and rendered to SVG by Vega in Node (no
// browser, no canvas).
import { parse, View } from 'vega'
import { compile } from 'vega-lite'

/** Every markdown table in `markdown`, each under the last heading before it. */
export function tablesOf(markdown) {
  const tables = []
  let heading = ''
  let current
  for (const line of markdown.split('\n')) {
    if (line.startsWith('#')) heading = line.replace(/^#+ /, '')
    if (!line.startsWith('|')) {
      current = undefined
      continue
    }
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim())
    if (!current) {
      current = { heading, columns: cells, rows: [] }
      tables.push(current)
    } else if (!cells.every((cell) => /^-+:?$/.test(cell))) {
      current.rows.push(Object.fromEntries(current.columns.map((c, i) => [c, cells[i]])))
    }
  }
  return tables
}

const number = (text) => Number(String(text).replace(/,/g, '').split(' ')[0])

/** The points of each panel, from the tables of one run. */
export function chartData(tables) {
  const find = (heading, column) =>
    tables.find((t) => t.heading.startsWith(heading) && t.columns.includes(column))
  const points = []
  const http = find('HTTP benchmarks', 'CPU efficiency')
  for (const row of http?.rows ?? []) {
    if (row.target === '—') continue
    const peer = row.baseline.includes('octokit')
    points.push({
      panel: peer
        ? 'vs a peer (node: @octokit/webhooks middleware)'
        : row.baseline.includes('guide')
          ? "Adapters vs the guide's advice by hand (verify, limit, dedupe)"
          : 'Adapters vs the bare hand-written route',
      label: row.candidate,
      value: number(row['CPU efficiency']),
      target: Number.parseFloat(row.target.replace('≥ ', '')),
    })
  }
  const forgery = find('Forged against valid', 'forged / valid CPU per request')
  for (const row of forgery?.rows ?? [])
    points.push({
      panel: 'Forged ÷ valid CPU per request (lower is better)',
      label: row.body,
      value: number(row['forged / valid CPU per request']),
      target: 1.2,
    })
  const queue = find('Queue mode', 'req/s (32 connections)')
  const immediately = queue?.rows.find((row) => row.mode === 'immediately')
  for (const row of immediately ? queue.rows : [])
    points.push({
      panel: "Queue modes: req/s ÷ respond: 'immediately'",
      label: row.mode,
      value: number(row['req/s (32 connections)']) / number(immediately['req/s (32 connections)']),
      // The target is the queue's: the other two modes are its references.
      target: row.mode.startsWith('queue') ? 0.5 : null,
    })
  return points
}

/** The chart of `points` (see chartData) as an SVG document. */
export async function renderChart(points, { title }) {
  const panels = [...new Set(points.map((p) => p.panel))]
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', fontSize: 13 },
    config: { font: 'sans-serif', view: { stroke: null }, axis: { labelLimit: 320 } },
    vconcat: panels.map((panel) => ({
      title: { text: panel, anchor: 'start', fontSize: 12 },
      width: 360,
      data: { values: points.filter((p) => p.panel === panel) },
      layer: [
        {
          mark: { type: 'bar', height: { band: 0.7 } },
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null, title: null },
            x: {
              field: 'value',
              type: 'quantitative',
              title: panel.startsWith('Forged')
                ? 'forged ÷ valid (tick: target ≤ 1.2)'
                : panel.startsWith('Queue')
                  ? 'ratio (tick: target ≥ 0.5)'
                  : 'CPU efficiency: baseline ÷ adapter CPU per request (tick: target)',
              scale: { domainMin: 0 },
            },
            // Blue: target met; red: missed; grey: a reference without a target.
            color: {
              condition: [
                { test: 'datum.target === null', value: '#9a9a9a' },
                {
                  test: panel.startsWith('Forged')
                    ? 'datum.value <= datum.target'
                    : 'datum.value >= datum.target',
                  value: '#4c78a8',
                },
              ],
              value: '#e45756',
            },
          },
        },
        {
          transform: [{ filter: 'datum.target !== null' }],
          mark: { type: 'tick', color: 'black', thickness: 2 },
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null },
            x: { field: 'target', type: 'quantitative' },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4 },
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null },
            x: { field: 'value', type: 'quantitative' },
            text: { field: 'value', type: 'quantitative', format: '.2f' },
          },
        },
      ],
    })),
  }
  const view = new View(parse(compile(spec).spec), { renderer: 'none' })
  return view.toSVG()
}
