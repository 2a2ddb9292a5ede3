import { Injectable } from '@nestjs/common'

/** Stands for your own service: a database, a CRM, a mailer. */
@Injectable()
export class ContractsService {
  // A FLAKY_CRM=1 run fails each document's first signing once: Inkless's retry succeeds.
  private readonly failedOnce = new Set<string>()

  markSigned(documentToken: string, signer: number | null | undefined) {
    if (process.env.FLAKY_CRM === '1' && !this.failedOnce.has(documentToken)) {
      this.failedOnce.add(documentToken)
      throw new Error(`CRM unavailable for ${documentToken}`)
    }
    console.log(`document_signed: signer ${signer} signed ${documentToken}`)
  }

  archive(documentToken: string) {
    console.log(`document_complete: archive ready for ${documentToken}`)
  }
}
