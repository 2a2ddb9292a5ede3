import base from '../../tsdown.base.ts'

// The main entry for applications; adapter is the seam the express, koa and fastify adapters share.
export default { ...base, entry: ['src/index.ts', 'src/adapter.ts'] }
