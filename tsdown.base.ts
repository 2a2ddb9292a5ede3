import { defineConfig } from 'tsdown'

/** Every package builds the same way: ESM + CommonJS with declarations, deps external. */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  dts: true,
  clean: true,
  // Named CommonJS exports: `require(pkg).inklessWebhooks`, and `.default` where a package has one.
  outputOptions: { exports: 'named' },
})
