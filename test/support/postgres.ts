import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

const BIN = process.env.INKLESS_PG_BIN ?? '/usr/lib/postgresql/15/bin'

/** Root runs the server as the `postgres` user (initdb refuses root); as its child, so it is reaped. */
function asPostgres(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {}
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString())
  return { uid: id('-u'), gid: id('-g') }
}

/**
 * A real PostgreSQL server on 127.0.0.1, in a cluster of its own in a temporary directory,
 * that a test can stop, kill and start again. `fsync=off`: the tests kill receivers, not
 * the machine, and a synced commit costs more than the whole delivery.
 */
export class PostgresServer {
  private process: ChildProcess | undefined
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), 'inkless-pg-'))
    chmodSync(dir, 0o777)
    const data = join(dir, 'data')
    try {
      execFileSync(
        join(BIN, 'initdb'),
        ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'],
        { stdio: 'pipe', ...asPostgres() },
      )
    } catch (error) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`cannot run initdb (apt-get install postgresql): ${(error as Error).message}`)
    }
    const server = new PostgresServer(await freePort(), dir)
    await server.start()
    return server
  }

  /** `postgres://postgres@127.0.0.1:port/postgres` */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  async start(): Promise<void> {
    const args = [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-h',
      '127.0.0.1',
      '-k',
      this.dir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ]
    // A process group of its own: stop() signals the server and its backends together.
    const child = spawn(join(BIN, 'postgres'), args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      ...asPostgres(),
    })
    const ready = new Promise<void>((resolve, reject) => {
      let output = ''
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk
        if (output.includes('ready to accept connections')) resolve()
      })
      child.once('error', (error) =>
        reject(new Error(`cannot start postgres (apt-get install postgresql): ${error.message}`)),
      )
      child.once('exit', (code) =>
        reject(new Error(`postgres exited with ${code} before it was ready:\n${output}`)),
      )
    })
    await ready
    child.stderr?.resume()
    this.process = child
  }

  /** Stops the server: SIGINT is a fast shutdown (clients cut), SIGKILL a crash. */
  async stop(signal: 'SIGINT' | 'SIGKILL' = 'SIGINT'): Promise<void> {
    const child = this.process
    this.process = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exit = once(child, 'exit')
    process.kill(-(child.pid as number), signal)
    await exit
  }

  /** Freezes the server and its backends (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    this.signalAll('SIGSTOP')
  }

  resume(): void {
    this.signalAll('SIGCONT')
  }

  /** The postmaster and its children: each backend runs in a session of its own (setsid). */
  private signalAll(signal: NodeJS.Signals): void {
    const pid = this.process?.pid
    if (pid === undefined) return
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          // The parent pid is the 4th field, after the parenthesised command name.
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
        } catch {
          return false
        }
      })
      .map(Number)
    for (const target of [pid, ...children]) {
      try {
        process.kill(target, signal)
      } catch {
        // Exited meanwhile.
      }
    }
  }

  async destroy(): Promise<void> {
    this.resume()
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
