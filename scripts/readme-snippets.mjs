// Every code block in README.md is a copy of a file that a test runs (test/readme.test.ts);
// so are the snippet blocks of the docs/ pages that have them.
// A block sits between `<!-- snippet: path/from/repo/root -->` and `<!-- /snippet -->`;
// `node scripts/readme-snippets.mjs` rewrites each such block from its file. Edit the file,
// never the block. `--check` changes nothing and exits 1 when a page is out of date.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(import.meta.dirname, '..')
const OPEN = /^<!-- snippet: (\S+) -->$/
const CLOSE = '<!-- /snippet -->'
const FENCE = /^ {0,3}(`{3,}|~{3,})/
const LANGUAGES = { '.js': 'js', '.mjs': 'js', '.ts': 'ts', '.tsx': 'tsx', '.sh': 'sh' }

/** The fenced block a page shows for the file at `path`. */
function block(path, text) {
  const body = text.endsWith('\n') ? text : `${text}\n`
  const ticks = '`'.repeat(Math.max(3, ...[...body.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)))
  return `${ticks}${LANGUAGES[extname(path)] ?? ''}\n${body}${ticks}`
}

/**
 * Reads a page's text (`page` names it in errors): the snippet paths in order, the text with
 * every snippet block rewritten from its file (`read(path)`), and the fenced blocks outside
 * any snippet (1-based lines).
 */
export function parseReadme(
  text,
  read = (path) => readFileSync(join(root, path), 'utf8'),
  page = 'README.md',
) {
  const lines = text.split('\n')
  const out = []
  const snippets = []
  const unmarked = []
  let fence // the open fence outside snippets: its marker and first line
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (fence) {
      out.push(line)
      const close = line.match(FENCE)
      if (close && close[1][0] === fence.marker[0] && close[1].length >= fence.marker.length)
        fence = undefined
      continue
    }
    const open = line.match(OPEN)
    if (open) {
      const end = lines.indexOf(CLOSE, i + 1)
      if (end === -1) throw new Error(`${page}:${i + 1}: ${line} has no ${CLOSE}`)
      const path = open[1]
      snippets.push(path)
      out.push(line, block(path, read(path)), CLOSE)
      i = end
      continue
    }
    const start = line.match(FENCE)
    if (start) {
      fence = { marker: start[1] }
      unmarked.push({ line: i + 1, text: line.trim() })
    }
    out.push(line)
  }
  return { snippets, text: out.join('\n'), unmarked }
}

/**
 * The pages whose code blocks come from files: README.md, and each page under docs/ that has
 * a snippet marker (there, blocks without one are allowed: diagrams, output).
 */
export function snippetPages() {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
    .filter((page) => /^<!-- snippet: /m.test(readFileSync(join(root, page), 'utf8')))
  return ['README.md', ...docs.sort()]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false
  for (const page of snippetPages()) {
    const file = join(root, page)
    const before = readFileSync(file, 'utf8')
    const { snippets, text, unmarked } = parseReadme(before, undefined, page)
    const strict = page === 'README.md'
    if (strict) {
      for (const { line, text: fence } of unmarked)
        console.error(`${page}:${line}: ${fence} is not a snippet: move its code to a file`)
    }
    const bad = strict && unmarked.length > 0
    if (process.argv.includes('--check')) {
      if (text !== before) console.error(`${page} is out of date: node scripts/readme-snippets.mjs`)
      failed ||= text !== before || bad
      continue
    }
    if (text !== before) writeFileSync(file, text)
    console.log(
      `${page}: ${snippets.length} snippets, ${text === before ? 'up to date' : 'updated'}`,
    )
    failed ||= bad
  }
  process.exit(failed ? 1 : 0)
}
