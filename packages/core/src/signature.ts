/** The exact bytes Inkless signed, as bytes or as the text they decode to. */
export type RawBody = Uint8Array | string

/** One secret, or several during rotation: any one may match. */
export type Secrets = string | readonly string[]
