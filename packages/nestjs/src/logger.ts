import type { Logger } from '@inkless-webhooks/core'
import { Logger as NestLogger } from '@nestjs/common'

// Nest's logger prints an object as JSON, where an Error is `{}`: keep its name and message.
const withErrors = (_key: string, value: unknown) =>
  value instanceof Error ? { ...value, name: value.name, message: value.message } : value

const line = (message: string, fields: object) => `${message} ${JSON.stringify(fields, withErrors)}`

/** Core's logger shape over Nest's `Logger`, so failures show up where the app's logs go. */
export function nestLogger(context = 'InklessWebhooks'): Logger {
  const logger = new NestLogger(context)
  return {
    error: (fields, message) => {
      const { err } = fields as { err?: unknown }
      if (err instanceof Error) logger.error(line(message, fields), err.stack)
      else logger.error(line(message, fields))
    },
    warn: (fields, message) => logger.warn(line(message, fields)),
  }
}
