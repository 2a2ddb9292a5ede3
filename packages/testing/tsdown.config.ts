import base from '../../tsdown.base.ts'

// The library, and the CLI behind the `inkless-webhooks` bin (ESM only: it is run, not imported).
export default [
  { ...base, entry: ['src/index.ts'] },
  { ...base, entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false },
]
