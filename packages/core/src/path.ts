/** True when `url`'s path (query ignored, trailing slash optional) is `path`. */
export function pathMatches(url: string | undefined, path: string): boolean {
  if (url === undefined) return false
  const q = url.indexOf('?')
  const pathname = q === -1 ? url : url.slice(0, q)
  const trim = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p)
  return trim(pathname) === trim(path)
}
