import { PostgresServer } from './support/postgres.js'
import { PgBoss } from '../packages/pg-boss/node_modules/pg-boss/dist/index.js'
import { it } from 'vitest'
it('exp', async () => {
const pg = await PostgresServer.start()
try {
  const boss = new PgBoss({ connectionString: pg.url, supervise: false, schedule: false })
  boss.on('error', (e) => console.log('error event', e.message))
  let t = performance.now()
  await boss.start()
  console.log('start ms', performance.now() - t)
  await boss.createQueue('dlq')
  await boss.createQueue('q', { deadLetter: 'dlq', retryLimit: 3 })
  await boss.createQueue('q', { deadLetter: 'dlq', retryLimit: 3 }).catch((e) => console.log('second createQueue', e.message))
  const id = '0123456789ab8def8123456789abcdef'
  console.log(await boss.send('q', { a: 1 }, { id }), await boss.send('q', { a: 2 }, { id }))
  t = performance.now()
  for (let i = 0; i < 200; i++) await boss.send('q', { i })
  console.log('200 sends ms', performance.now() - t)
  await pg.stop()
  t = performance.now()
  await boss.send('q', { x: 1 }).catch((e) => console.log('send while down', e.message, performance.now() - t))
  await pg.start()
  t = performance.now()
  console.log('after restart', await boss.send('q', { x: 2 }), performance.now() - t)
  await boss.stop()
} finally { await pg.destroy() }
}, 120000)
