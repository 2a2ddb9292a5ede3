/** Node's header object (names lower-cased) or anything with a Fetch-style `get`. */
export type HeaderSource =
  | { readonly [name: string]: string | readonly string[] | number | undefined }
  | {
      /** A header's value by name, `null` when absent (Fetch's `Headers.get`). */
      get(name: string): string | null
    }

/** Reads a header by its lower-case name; a repeated header comes back as an array. */
export function getHeader(headers: HeaderSource, name: string): unknown {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined
  }
  const record = headers as { readonly [name: string]: unknown }
  const value = record[name]
  if (value !== undefined) return value
  // Hand-built header objects (tests, custom servers) may not be lower-cased.
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === name) return record[key]
  }
  return undefined
}
