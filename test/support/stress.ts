/**
 * Load and fuzz tests run a bounded size in `pnpm test`, and their full size under
 * `pnpm stress` (INKLESS_STRESS=1). `full` and `quick` are the two sizes.
 */
export const stress = process.env.INKLESS_STRESS === '1'
export const size = (full: number, quick: number) => (stress ? full : quick)
/** Prints a measured figure under `pnpm stress` only (the quick run keeps its output clean). */
export const report = (line: string) => {
  if (stress) console.log(line)
}
