import {
  signPayload,
  signPayloadAsync,
  verifySignature,
  verifySignatureAsync,
} from './crypto-node.js'
import { platformApi } from './webhooks.js'

export * from './shared.js'
export { signPayload, signPayloadAsync, verifySignature, verifySignatureAsync }
export const { createInklessWebhooks, splitAdapterOptions } = platformApi(verifySignature)
