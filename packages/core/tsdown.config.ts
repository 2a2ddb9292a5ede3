import base from '../../tsdown.base.ts'

// Two builds of one API: index (node:crypto) and web (Web Crypto), picked by export
// conditions; adapter is the platform-neutral seam for adapter authors; queue-worker
// (`/queue`) is what queue packages' workers run per job (Node only).
export default {
  ...base,
  entry: ['src/index.ts', 'src/web.ts', 'src/adapter.ts', 'src/queue-worker.ts'],
}
