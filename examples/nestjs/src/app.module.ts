import { InklessWebhooksModule } from '@inkless-webhooks/nestjs'
import { Controller, Get, Module } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { AuthGuard } from './auth.guard.js'
import { ContractsService } from './contracts.service.js'
import { SigningHandlers } from './signing.handlers.js'

@Controller('contracts')
class ContractsController {
  @Get()
  list() {
    return []
  }
}

@Module({
  imports: [
    // The secret comes from INKLESS_WEBHOOK_SECRET; forRootAsync() takes it from a config
    // provider instead.
    InklessWebhooksModule.forRoot({ path: '/webhook' }),
  ],
  controllers: [ContractsController],
  providers: [ContractsService, SigningHandlers, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AppModule {}
