import chalk from 'chalk'
import type { ChildProcess } from 'node:child_process'
import { childProcess } from '../util/builtins.js'
import { AcacheError, asAcacheError } from '../errors.js'
import { safe } from './safe.js'
import { knob } from '../util/knobs.js'

export interface OutputOptions { json: boolean, quiet: boolean, verbose: boolean }

/**
 * Everything acache prints goes through here: text for people on stdout,
 * errors and progress on stderr, or one JSON document on stdout with --json.
 */
export class Output {
  private pager?: ChildProcess
  private status = 0

  constructor (public opts: OutputOptions) {}

  get json (): boolean { return this.opts.json }

  private write (data: string | Uint8Array): void {
    if (this.pager?.stdin?.writable === true) this.pager.stdin.write(data)
    else process.stdout.write(data)
  }

  /** A line for people (nothing under --json or --quiet). */
  line (text = ''): void {
    if (this.opts.json || this.opts.quiet) return
    this.write(text + '\n')
  }

  /**
   * A line of what the command was asked for (a log, a listing, a diff):
   * printed even with --quiet, which silences only what is said about the
   * work (as git's -q); nothing under --json.
   */
  data (text = ''): void {
    if (this.opts.json) return
    this.write(text + '\n')
  }

  /** Bytes of what the command was asked for (a patch's lines), as they are: as `data`, nothing under --json. */
  dataBytes (bytes: Uint8Array): void {
    if (this.opts.json) return
    this.write(bytes)
  }

  /** Data on stdout that is the point of the command (file contents): printed even with --quiet. */
  raw (data: string | Uint8Array): void {
    this.write(data)
  }

  /**
   * A stream of bytes that is the point of the command (a file's content),
   * written as fast as the reader takes it: a chunk waits until the last
   * one left (memory stays a few chunks, whatever the file's size). A
   * reader that goes away (`| head`) ends it quietly.
   */
  async rawStream (chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const target: NodeJS.WritableStream = this.pager?.stdin?.writable === true ? this.pager.stdin : process.stdout
    let gone = false
    const onError = (): void => { gone = true }
    target.on('error', onError)
    try {
      for await (const c of chunks) {
        if (gone) break
        if (!target.write(c)) {
          await new Promise<void>(resolve => {
            const done = (): void => { target.off('drain', done); target.off('error', done); target.off('close', done); resolve() }
            target.once('drain', done).once('error', done).once('close', done)
          })
        }
      }
    } finally {
      target.off('error', onError)
    }
  }

  /**
   * Long output for people goes through a pager on a terminal, as git's
   * does: $ACACHE_PAGER, else $PAGER, else less (with LESS=FRX: it exits
   * at once when all fits). Off a terminal, with --json, or with the pager
   * set to '' or cat: straight to stdout.
   */
  usePager (): void {
    if (this.opts.json || process.stdout.isTTY !== true || this.pager !== undefined) return
    const cmd = knob('ACACHE_PAGER') ?? process.env.PAGER ?? 'less'
    if (cmd.trim() === '' || cmd.trim() === 'cat') return
    const p = childProcess().spawn('sh', ['-c', cmd], { stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', LV: '-c', ...process.env } })
    p.on('error', () => { this.pager = undefined })
    p.stdin?.on('error', () => {}) // the reader quit (q): what is left is not wanted
    this.pager = p
  }

  /** Waits for the pager (the reader) to finish. */
  async done (): Promise<void> {
    const p = this.pager
    if (p === undefined) return
    this.pager = undefined
    p.stdin?.end()
    if (p.exitCode === null) await new Promise(resolve => p.once('close', resolve))
  }

  /** The exit status of a run that did not fail: 0, or the first one a command set. */
  get exitCode (): number { return this.status }

  /** A finding (a conflict, a change with --exit-code, a failed check) is exit 1; the first status set stays. */
  setExit (code = 1): void {
    if (this.status === 0) this.status = code
  }

  /** A finding of a check (verify's failures): on stderr, even with --quiet; nothing under --json. */
  finding (text: string): void {
    if (this.opts.json) return
    process.stderr.write(text + '\n')
  }

  info (text: string): void {
    if (this.opts.json || this.opts.quiet) return
    process.stderr.write(text + '\n')
  }

  /** A line of a long-running command's log (serve): on stderr, also under --json (whose document is on stdout); not with --quiet. */
  log (text: string): void {
    if (this.opts.quiet) return
    process.stderr.write(text + '\n')
  }

  verbose (text: string): void {
    if (this.opts.verbose) process.stderr.write(chalk.dim(text) + '\n')
  }

  warn (text: string): void {
    if (this.opts.quiet) return
    process.stderr.write(chalk.yellow('warning: ') + text + '\n')
  }

  /** The one JSON document of a --json run. */
  result (data: Record<string, unknown>): void {
    if (this.opts.json) process.stdout.write(JSON.stringify({ ok: true, ...data }, jsonReplacer, 2) + '\n')
  }

  error (err: unknown): number {
    const e: AcacheError = asAcacheError(err)
    if (this.opts.json) {
      const { stack, ...data } = e.data as Record<string, unknown>
      void stack
      process.stdout.write(JSON.stringify({ ok: false, error: { code: e.code, message: e.message, hint: e.hint, exitCode: e.exitCode, data } }, jsonReplacer, 2) + '\n')
    } else {
      // messages name paths, branches and keys that came from others: no control characters reach the terminal
      process.stderr.write(chalk.red('error: ') + safe(e.message) + '\n')
      if (e.hint !== undefined) process.stderr.write(chalk.dim('hint: ' + safe(e.hint)) + '\n')
      if (e.code === 'BUG') {
        process.stderr.write('This is a bug in acache; please report it with the lines below.\n')
        process.stderr.write(String(e.data.stack ?? '') + '\n')
      }
    }
    return e.exitCode
  }
}

export function jsonReplacer (_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  if (v !== null && typeof v === 'object' && typeof (v as any).toV1 === 'function' && typeof (v as any).multihash === 'object') return String(v)
  return v
}
