import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

/**
 * `aof`: every write fsynced to the append-only file before Redis answers, so it survives a
 * SIGKILL. `none`: memory only, as with `--save ''` and no AOF.
 */
export type Persistence = 'aof' | 'none'

const PERSISTENCE: Record<Persistence, string[]> = {
  aof: ['--appendonly', 'yes', '--appendfsync', 'always'],
  none: ['--appendonly', 'no'],
}

/**
 * A real redis-server on 127.0.0.1 that a test can stop, kill, pause and start again. With
 * `aof` persistence (the default) its data survives a restart, as a production Redis's would.
 */
export class RedisServer {
  private process: ChildProcess | undefined
  private readonly dir = mkdtempSync(join(tmpdir(), 'inkless-redis-'))
  private constructor(
    readonly port: number,
    private readonly persistence: Persistence,
  ) {}

  static async start(persistence: Persistence = 'aof'): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), persistence)
    await server.start()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '']
    // DEBUG SLEEP stalls the server the way a slow command or a fork on a big dataset does.
    args.push('--enable-debug-command', 'local', '--dir', this.dir)
    const child = spawn('redis-server', [...args, ...PERSISTENCE[this.persistence]], {
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

  /** Stops the server: SIGTERM flushes its data first, SIGKILL loses what is not on disk. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.process
    this.process = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exit = once(child, 'exit')
    child.kill(signal)
    child.kill('SIGCONT') // a paused server only acts on SIGTERM once resumed
    await exit
  }

  /** Freezes the process (SIGSTOP): connections stay open, commands wait unanswered. */
  pause(): void {
    this.process?.kill('SIGSTOP')
  }

  resume(): void {
    this.process?.kill('SIGCONT')
  }

  async destroy(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
