import { createRequire } from 'node:module'
import type { OpenTelemetryApi } from './telemetry.js'

// An optional peer dependency, loaded when an instance or a worker is created, as
// OpenTelemetry's own instrumentations get the API: absent, telemetry is off; present, it
// costs nothing until a provider is registered (docs/operations.md, "Tracing and metrics").
let openTelemetryApi: OpenTelemetryApi | null | undefined

const notInstalled = (error: unknown) =>
  (error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND' &&
  String((error as Error).message).includes("'@opentelemetry/api'")

/** `@opentelemetry/api` when installed (Node, Bun); loaded once. */
export const openTelemetry = (): OpenTelemetryApi | undefined => {
  if (openTelemetryApi === undefined) {
    try {
      openTelemetryApi = createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApi
    } catch (error) {
      openTelemetryApi = null
      // Not installed: telemetry is simply off. Installed but broken: say so, once.
      if (!notInstalled(error)) {
        console.warn(
          `[inkless-webhooks] @opentelemetry/api is installed but could not be loaded, so tracing and metrics are off: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
  }
  return openTelemetryApi ?? undefined
}
