import base from '../../tsdown.base.ts'

// Two builds of one API: index (node:crypto) and web (Web Crypto), picked by export conditions.
export default { ...base, entry: ['src/index.ts', 'src/web.ts'] }
