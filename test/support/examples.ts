import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { SECRET } from './deliveries.js'

const root = join(import.meta.dirname, '../..')
// A compiled example runs its build, not its source.
const ENTRY: Record<string, string> = { nestjs: 'dist/main.js' }

/** A server run as a child process (an example, the CLI's inspector) and what it printed. */
export class Example {
  readonly lines: string[] = []
  /** What the server printed on stdout (console.log), apart from the line saying where it listens. */
  readonly stdout: string[] = []
  url = ''
  private constructor(private readonly child: ChildProcess) {}

  /** An example server as its README starts it: `node server.js` in its folder. */
  static start(name: string, env: Record<string, string> = {}): Promise<Example> {
    return Example.spawn([ENTRY[name] ?? 'server.js'], {
      cwd: join(root, 'examples', name),
      env: { INKLESS_WEBHOOK_SECRET: SECRET, PORT: '0', HOST: '127.0.0.1', ...env },
      ready: /^listening on (\S+)/,
    })
  }

  /** `node ...args`, ready once a line matches `ready`, whose first group is its URL. */
  static async spawn(
    args: string[],
    options: {
      cwd: string
      // An undefined value removes the variable from the child's environment.
      env: Record<string, string | undefined>
      ready: RegExp
      startTimeoutMs?: number
    },
  ): Promise<Example> {
    const startTimeoutMs = options.startTimeoutMs ?? 15_000
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const example = new Example(child)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${args[0]} did not start within ${startTimeoutMs / 1000} s`)),
        startTimeoutMs,
      )
      child.once('exit', (code) =>
        reject(new Error(`${args.join(' ')} exited with ${code}: ${example.lines.join('\n')}`)),
      )
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
          const listening = line.match(options.ready)
          if (listening && example.url === '') {
            example.url = listening[1] as string
            clearTimeout(timer)
            resolve()
          } else {
            example.lines.push(line)
            if (stream === child.stdout) example.stdout.push(line)
          }
        })
      }
    })
    return example
  }

  logged(event: string): string[] {
    return this.lines.filter((line) => line.startsWith(`${event}:`))
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await exited.finally(() => clearTimeout(timer))
  }
}
