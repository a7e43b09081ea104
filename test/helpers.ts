import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync, SpawnSyncReturns } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = path.join(ROOT, 'bin', 'acache.js')

const made: string[] = []

/** A fresh temporary directory, removed when the test process exits (ACACHE_KEEP_TMP=1 keeps them). */
export function tmpdir (prefix = 'acache-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  made.push(dir)
  return dir
}

process.on('exit', () => {
  if (process.env.ACACHE_KEEP_TMP === '1') return
  let mounts = ''
  try { mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8') } catch {}
  for (const dir of made) {
    if (mounts.includes(` ${dir}`)) continue // never remove through a mount a failed test left behind
    try { fs.rmSync(dir, { recursive: true, force: true }) } catch {}
  }
})

export interface RunResult { code: number, stdout: string, stderr: string, json: any }

/** One user: their own ACACHE_HOME and a working root, driving the real binary. */
export class User {
  readonly home: string
  readonly work: string

  constructor (readonly name: string, base = tmpdir(`acache-${name}-`)) {
    this.home = path.join(base, 'home')
    this.work = path.join(base, 'work')
    fs.mkdirSync(this.work, { recursive: true })
  }

  run (args: string[], opts: { cwd?: string, env?: Record<string, string>, input?: string } = {}): RunResult {
    const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? this.work,
      env: { ...process.env, ACACHE_HOME: this.home, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
      encoding: 'utf8',
      input: opts.input,
      maxBuffer: 256 * 1024 * 1024
    })
    let json: any
    if (args.includes('--json')) {
      try { json = JSON.parse(r.stdout) } catch { json = undefined }
    }
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json }
  }

  /** Runs and insists on exit 0; stdout as bytes (file contents from `show`). */
  bytes (args: string[]): Buffer {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: this.work,
      env: { ...process.env, ACACHE_HOME: this.home, NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 1024 * 1024 * 1024
    })
    if (r.status !== 0) throw new Error(`acache ${args.join(' ')} exited ${String(r.status)}\nstderr: ${r.stderr.toString()}`)
    return r.stdout
  }

  /** Runs and insists on exit 0, with the output in the failure message. */
  ok (args: string[], opts: { cwd?: string, env?: Record<string, string> } = {}): RunResult {
    const r = this.run(args, opts)
    if (r.code !== 0) throw new Error(`acache ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
    return r
  }

  write (p: string, content: string | Uint8Array, mode?: number): void {
    const abs = path.join(this.work, p)
    fs.mkdirSync(path.dirname(abs), { recursive: true })
    fs.writeFileSync(abs, content)
    if (mode !== undefined) fs.chmodSync(abs, mode)
  }

  read (p: string): string { return fs.readFileSync(path.join(this.work, p), 'utf8') }
  exists (p: string): boolean { return fs.existsSync(path.join(this.work, p)) }
  path (p = ''): string { return path.join(this.work, p) }

  /** init + identity, ready to commit. */
  setup (): this {
    this.ok(['init', '-q'])
    this.ok(['id', 'new', '--name', this.name])
    return this
  }

  head (): string {
    return this.ok(['log', '-n', '1', '--json']).json.commits[0].commit
  }
}

/** A snapshot of every file (path -> content) under a directory, for "nothing changed" checks. */
export function snapshot (dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name)
      const rel = path.relative(dir, abs)
      if (e.isDirectory()) walk(abs)
      else if (e.isSymbolicLink()) out[rel] = 'link:' + fs.readlinkSync(abs)
      else if (e.name !== 'lock') out[rel] = fs.readFileSync(abs).toString('base64')
    }
  }
  walk(dir)
  return out
}

/** Starts `acache serve` for a user on a free loopback port; resolves with its URL. */
export async function startServe (u: User, extra: string[] = [], env: Record<string, string> = {}): Promise<{ url: string, stop: () => Promise<void>, proc: import('node:child_process').ChildProcess, stderr: () => string }> {
  const { spawn } = await import('node:child_process')
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', ...extra], {
    cwd: u.work,
    env: { ...process.env, ACACHE_HOME: u.home, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`serve did not start: ${out}`)) }, 30000)
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      try { const j = JSON.parse(out); clearTimeout(timer); resolve(j.url) } catch {}
    })
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${out}`)) })
  })
  let err = ''
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  return {
    url,
    proc,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode !== null) return
      proc.kill('SIGTERM')
      await new Promise(resolve => proc.once('exit', resolve))
    }
  }
}

/** The real binary, asynchronously (for several clients at once). */
export async function runAsync (u: User, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const { spawn } = await import('node:child_process')
  return await new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: u.work, env: { ...process.env, ACACHE_HOME: u.home, NO_COLOR: '1', ...env } })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    p.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    p.on('close', (code) => { // 'close': stdout is read to its end (not so at 'exit')
      let json: any
      try { json = JSON.parse(stdout) } catch {}
      resolve({ code: code ?? -1, stdout, stderr, json })
    })
  })
}

/**
 * A user's block store as the test process sees it (packed or one file a
 * block: the packed store reads both), for planting and inspecting blocks.
 */
export async function blockStoreOf (u: User): Promise<import('../src/store/packed-blockstore.js').PackedBlockStore> {
  const { PackedBlockStore } = await import('../src/store/packed-blockstore.js')
  return new PackedBlockStore(path.join(u.work, '.acache', 'blocks'))
}

/** A block's bytes as stored, unchecked (wherever the store keeps it). */
export async function storedBytes (u: User, cid: import('multiformats/cid').CID): Promise<Buffer> {
  const store = await blockStoreOf(u)
  const packed = store.packedBytes(cid)
  return packed !== undefined ? Buffer.from(packed) : fs.readFileSync(store.pathOf(cid))
}

/**
 * Makes the store hold `bytes` under a block's CID (damage, or a repair):
 * out of any pack, into the block's own file, which the store then reads.
 */
export async function replaceStoredBlock (u: User, cid: import('multiformats/cid').CID, bytes: Uint8Array): Promise<void> {
  const store = await blockStoreOf(u)
  await store.delete(cid)
  const file = store.pathOf(cid)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes)
}

/** Takes a block out of the store, wherever it is kept. */
export async function removeStoredBlock (u: User, cid: import('multiformats/cid').CID): Promise<void> {
  await (await blockStoreOf(u)).delete(cid)
}
