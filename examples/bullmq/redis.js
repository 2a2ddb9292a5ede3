// Where both processes find Redis: REDIS_URL, default redis://127.0.0.1:6379.
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')

export const connection = {
  host: url.hostname,
  port: Number(url.port || 6379),
  ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
}
export const QUEUE = 'inkless'
