import { type InklessEventOf, OnInklessEvent } from '@inkless-webhooks/nestjs'
import { Injectable } from '@nestjs/common'
// A value import (not `import type`): Nest reads the constructor's parameter types at run time.
import { ContractsService } from './contracts.service.js'

/** Any provider can handle events: decorate its methods, inject what they need. */
@Injectable()
export class SigningHandlers {
  constructor(private readonly contracts: ContractsService) {}

  @OnInklessEvent('document_signed')
  onSigned(event: InklessEventOf<'document_signed'>) {
    this.contracts.markSigned(event.document_token, event.secure_link_id)
  }

  @OnInklessEvent('document_complete')
  onComplete(event: InklessEventOf<'document_complete'>) {
    this.contracts.archive(event.document_token)
  }

  @OnInklessEvent('envelope_complete')
  onEnvelope(event: InklessEventOf<'envelope_complete'>) {
    console.log(`envelope_complete: ${event.document_token} is fully signed`)
  }
}
