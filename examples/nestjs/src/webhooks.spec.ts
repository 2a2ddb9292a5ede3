// Testing the webhook route with Nest's testing module, supertest and signed test deliveries.
// Run: pnpm --filter example-nestjs test (node:test, after tsc)
import 'reflect-metadata'
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { buildSignedRequest, createTestEvent } from '@inkless-webhooks/testing'
import type { INestApplication } from '@nestjs/common'
import { Test } from '@nestjs/testing'
import request from 'supertest'
import { AppModule } from './app.module.js'
import { ContractsService } from './contracts.service.js'

const secret = 'whsec_test'
let app: INestApplication
const signed: string[] = []

before(async () => {
  process.env.INKLESS_WEBHOOK_SECRET = secret
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(ContractsService)
    .useValue({ markSigned: (token: string) => signed.push(token), archive() {} })
    .compile()
  app = moduleRef.createNestApplication({ logger: false })
  await app.init()
})
after(() => app.close())

test('a signed document_signed reaches the handler, past the global guard', async () => {
  const delivery = buildSignedRequest(createTestEvent('document_signed'), { secret })
  const res = await request(app.getHttpServer())
    .post('/webhook')
    .set(delivery.headers)
    .send(delivery.body)
  assert.equal(res.status, 200)
  assert.equal(signed.length, 1)
})

test('a forged delivery is refused', async () => {
  const forged = buildSignedRequest(createTestEvent('document_signed'), { secret: 'wrong' })
  const res = await request(app.getHttpServer())
    .post('/webhook')
    .set(forged.headers)
    .send(forged.body)
  assert.equal(res.status, 401)
})
