import { createRequire } from 'node:module'
import type { OpenTelemetryApi } from './telemetry.js'

// An optional peer dependency, loaded when an instance or a worker is created, as
// OpenTelemetry's own instrumentations get the API: absent, telemetry is off; present, it
// costs nothing until a provider is registered (docs/operations.md, "Tracing and metrics").
let openTelemetryApi: OpenTelemetryApi | null | undefined

/** `@opentelemetry/api` when installed (Node, Bun); loaded once. */
export const openTelemetry = (): OpenTelemetryApi | undefined => {
  if (openTelemetryApi === undefined) {
    try {
      openTelemetryApi = createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApi
    } catch {
      openTelemetryApi = null
    }
  }
  return openTelemetryApi ?? undefined
}
