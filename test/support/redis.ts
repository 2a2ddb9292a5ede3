import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

/**
 * A real redis-server on 127.0.0.1 that a test can stop and start again. Its append-only
 * file survives a restart, as a production Redis's data would.
 */
export class RedisServer {
  private process: ChildProcess | undefined
  private readonly dir = mkdtempSync(join(tmpdir(), 'inkless-redis-'))
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort())
    await server.start()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
    ]
    const child = spawn('redis-server', [...args, '--appendfsync', 'always', '--dir', this.dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const failed = once(child, 'error').then(([error]) => {
      throw new Error(
        `cannot start redis-server (apt-get install redis-server): ${(error as Error).message}`,
      )
    })
    const ready = new Promise<void>((resolve) => {
      let output = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk
        if (output.includes('Ready to accept connections')) resolve()
      })
    })
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`redis-server exited with ${code} before it was ready`)
    })
    await Promise.race([ready, failed, exited])
    child.stdout?.resume()
    this.process = child
  }

  /** Stops the server (SIGTERM: it flushes its data first). */
  async stop(): Promise<void> {
    const child = this.process
    this.process = undefined
    if (!child || child.exitCode !== null) return
    child.kill('SIGTERM')
    await once(child, 'exit')
  }

  async destroy(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
