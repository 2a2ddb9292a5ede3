// Shared by the benchmarks: interleaved rounds, medians, the report table.
import { cpus } from 'node:os'

export const machine = () =>
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}`

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/**
 * Runs every candidate `iterations` times per round, the candidates' order rotating each
 * round so none always runs first (warm) or last (after GC pressure), and returns the median
 * ops/s of each. A candidate is `{ name, fn }`, `fn` sync or async.
 */
export async function interleaved(candidates, { rounds, iterations }) {
  const samples = new Map(candidates.map((c) => [c.name, []]))
  for (const c of candidates) for (let i = 0; i < Math.min(iterations, 2000); i++) await c.fn(i)
  for (let round = 0; round < rounds; round++) {
    const order = candidates.map((_, i) => candidates[(i + round) % candidates.length])
    for (const c of order) {
      const started = process.hrtime.bigint()
      if (c.async) for (let i = 0; i < iterations; i++) await c.fn(i)
      else for (let i = 0; i < iterations; i++) c.fn(i)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      samples.get(c.name).push(iterations / seconds)
    }
  }
  return new Map([...samples].map(([name, s]) => [name, median(s)]))
}

export const fmt = (n) => Math.round(n).toLocaleString('en-US')

/** A markdown table: rows of cells, the first row the header. */
export function table(rows) {
  const [head, ...body] = rows
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')
}
