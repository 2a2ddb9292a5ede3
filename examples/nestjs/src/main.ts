// Inkless webhooks in a NestJS app.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… pnpm --filter example-nestjs start
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { AppModule } from './app.module.js'

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] })
const host = process.env.HOST ?? '127.0.0.1'
await app.listen(Number(process.env.PORT ?? 3000), host)
const { port } = app.getHttpServer().address()
console.log(`listening on http://${host}:${port}/webhook`)
