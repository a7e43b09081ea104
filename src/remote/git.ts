import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { createHash, randomBytes } from 'node:crypto'
import { spawn, spawnSync, ChildProcess } from 'node:child_process'
import { fail, AcacheError } from '../errors.js'
import { knobNumber } from '../util/knobs.js'

/**
 * A git repository, read and written for the bridge: objects through one
 * long-lived `git cat-file --batch` (requests pipelined), objects written
 * as loose objects (zlib, as git writes them), refs through `git
 * update-ref --stdin`. Nothing here trusts what the repository holds: the
 * callers parse objects with model/git.ts's checks.
 */

export interface GitObject { type: string, body: Buffer }

function runGit (gitDir: string, args: string[], input?: string): string {
  const r = spawnSync('git', ['--git-dir', gitDir, ...args], { input, maxBuffer: 1024 * 1024 * 1024 })
  if (r.error !== undefined) fail('GIT_MISSING', `cannot run git: ${r.error.message}`, { hint: 'install git (apt-get install git)' })
  if (r.status !== 0) fail('GIT_FAILED', `git ${args[0]} failed: ${r.stderr.toString('utf8').trim().split('\n')[0] ?? ''}`)
  return r.stdout.toString('utf8')
}

/** The git directory of a repository path (a work tree or a bare repository). */
export function resolveGitDir (p: string): string {
  const abs = path.resolve(p)
  if (!fs.existsSync(abs)) fail('NOT_A_REPOSITORY', `${p} does not exist`)
  const r = spawnSync('git', ['-C', abs, 'rev-parse', '--absolute-git-dir'], { encoding: 'utf8' })
  if (r.error !== undefined) fail('GIT_MISSING', `cannot run git: ${r.error.message}`, { hint: 'install git (apt-get install git)' })
  if (r.status !== 0) fail('NOT_A_REPOSITORY', `${p} is not a git repository`)
  return r.stdout.trim()
}

interface Pending { resolve: (o: GitObject | undefined) => void, reject: (e: Error) => void }

/**
 * The largest git object read whole (a blob is stored from memory). A git
 * repository is outside input: a larger one is refused with one line, its
 * bytes read past, never held. Large files belong in git-lfs, whose objects
 * the import reads from their own files.
 */
export const MAX_GIT_OBJECT_BYTES = knobNumber('ACACHE_MAX_GIT_OBJECT_BYTES', 1024 * 1024 * 1024)

/** `git cat-file --batch` (or `--batch-check` for existence), requests pipelined, answers in order. */
export class GitBatch {
  private readonly proc: ChildProcess
  private readonly pending: Pending[] = []
  private buf: Buffer = Buffer.alloc(0)
  /** the object being read: its size, how much of it came, and its bytes (none when it is read past) */
  private need: { size: number, got: number, type: string, body?: Buffer } | undefined
  private dead: Error | undefined
  private queued = ''

  constructor (readonly gitDir: string, private readonly check = false) {
    this.proc = spawn('git', ['--git-dir', gitDir, 'cat-file', check ? '--batch-check' : '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.proc.stdout!.on('data', (d: Buffer) => this.data(d))
    let err = ''
    this.proc.stderr!.on('data', (d: Buffer) => { err += d.toString() })
    const die = (e: Error): void => {
      this.dead ??= e
      for (const p of this.pending.splice(0)) p.reject(this.dead)
    }
    this.proc.on('error', (e) => die(new Error(`cannot run git: ${e.message}`)))
    this.proc.on('exit', () => die(new Error(`git cat-file stopped${err === '' ? '' : `: ${err.trim()}`}`)))
    this.proc.stdin!.on('error', () => {})
  }

  /**
   * What git wrote: a header line, then (unless missing) the object's bytes
   * and a newline. Each body is copied once, from the chunks as they come,
   * into a buffer of its own size: a chunk is never joined to the next.
   */
  private data (d: Buffer): void {
    let at = 0
    while (at < d.byteLength) {
      const need = this.need
      if (need === undefined) {
        const nl = d.indexOf(0x0a, at)
        if (nl < 0) { this.buf = Buffer.concat([this.buf, d.subarray(at)]); return }
        const line = (this.buf.byteLength === 0 ? d.subarray(at, nl) : Buffer.concat([this.buf, d.subarray(at, nl)])).toString('utf8')
        this.buf = Buffer.alloc(0)
        at = nl + 1
        this.header(line)
        continue
      }
      // the body's bytes (kept unless refused), then its newline
      const take = Math.min(d.byteLength - at, need.size - need.got)
      if (need.body !== undefined) d.copy(need.body, need.got, at, at + take)
      need.got += take
      at += take
      if (need.got < need.size) return
      if (at === d.byteLength) return // the newline comes with the next chunk
      at++
      this.need = undefined
      if (need.body !== undefined) this.pending.shift()?.resolve({ type: need.type, body: need.body })
    }
  }

  private header (line: string): void {
    const p = this.pending.shift()
    const parts = line.split(' ')
    if (parts[1] === 'missing' || parts[1] === 'ambiguous' || parts.length < 3) { p?.resolve(undefined); return }
    const size = Number(parts[2])
    if (this.check) { p?.resolve({ type: parts[1], body: Buffer.alloc(0) }); return }
    if (!(size <= MAX_GIT_OBJECT_BYTES)) {
      // a refused object: its bytes and the newline after them are read past, never kept
      p?.reject(new AcacheError('TOO_LARGE', `git object ${parts[0]} is ${parts[2]} bytes, over the ${MAX_GIT_OBJECT_BYTES}-byte limit for an object read through git`, { hint: 'keep files this large in git-lfs: the import reads LFS objects from their own files' }))
      this.need = { size: Number.isFinite(size) ? size : 0, got: 0, type: parts[1] }
      return
    }
    this.pending.unshift(p!)
    this.need = { size, got: 0, type: parts[1], body: Buffer.allocUnsafe(size) }
  }

  /** The object, or undefined when the repository does not have it. */
  async get (id: string): Promise<GitObject | undefined> {
    if (this.dead !== undefined) throw this.dead
    return await new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject })
      // the requests of one turn of the event loop go in one write
      if (this.queued === '') setImmediate(() => { const q = this.queued; this.queued = ''; this.proc.stdin!.write(q) })
      this.queued += id + '\n'
    })
  }

  /** The object, of the type expected, or one clear error. */
  async read (id: string, type: string, what: string): Promise<Buffer> {
    const o = await this.get(id)
    if (o === undefined) fail('MISSING_OBJECT', `git object ${id} (${what}) is missing from ${this.gitDir}`)
    if (o.type !== type) fail('BAD_OBJECT', `git object ${id} (${what}) is a ${o.type}, not a ${type}`)
    return o.body
  }

  close (): void {
    this.proc.stdin!.end()
    this.proc.kill()
  }
}

const PACK_TYPES: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 }

/**
 * Writes objects into a git repository as one pack (git's format 2: no
 * deltas, each object deflated), indexed by `git index-pack` when
 * finished: thousands of objects are one file, not one file each. The
 * pack is written under a temporary name git ignores (tmp_pack_*), so a
 * killed export leaves nothing git reads; objects written once in a run
 * are not written again.
 */
export class GitObjectWriter {
  readonly packDir: string
  /** objects in the pack being written */
  written = 0
  /** objects written in all */
  total = 0
  private fd: number | undefined
  private tmp = ''
  private readonly seen = new Set<string>()
  private buffered: Buffer[] = []
  private bufferedBytes = 0

  constructor (readonly gitDir: string) {
    this.packDir = path.join(gitDir, 'objects', 'pack')
  }

  private open (): number {
    if (this.fd === undefined) {
      fs.mkdirSync(this.packDir, { recursive: true })
      this.tmp = path.join(this.packDir, `tmp_pack_acache_${randomBytes(6).toString('hex')}`)
      this.fd = fs.openSync(this.tmp, 'wx+', 0o444)
      const head = Buffer.alloc(12)
      head.write('PACK', 0, 'latin1')
      head.writeUInt32BE(2, 4)
      this.out(head) // the count is written when the pack is finished
    }
    return this.fd
  }

  private out (b: Buffer): void {
    this.buffered.push(b)
    this.bufferedBytes += b.byteLength
    if (this.bufferedBytes > 4 * 1024 * 1024) this.drain()
  }

  private drain (): void {
    if (this.fd === undefined || this.buffered.length === 0) return
    fs.writeSync(this.fd, Buffer.concat(this.buffered))
    this.buffered = []
    this.bufferedBytes = 0
  }

  private header (type: string, size: number): Buffer {
    const bytes: number[] = []
    let c = (PACK_TYPES[type] << 4) | (size & 0x0f)
    let rest = Math.floor(size / 16)
    while (rest > 0) {
      bytes.push(c | 0x80)
      c = rest & 0x7f
      rest = Math.floor(rest / 128)
    }
    bytes.push(c)
    return Buffer.from(bytes)
  }

  /** Writes an object held in memory; returns its ID. */
  write (type: string, body: Uint8Array): string {
    const id = createHash('sha1').update(`${type} ${body.byteLength}\0`).update(body).digest('hex')
    if (this.seen.has(id)) return id
    this.open()
    this.out(this.header(type, body.byteLength))
    this.out(zlib.deflateSync(body, { level: 1 }))
    this.seen.add(id)
    this.written++
    this.total++
    return id
  }

  /** Writes an object streamed from `chunks` (`size` bytes, as declared: the stream must hold exactly that). */
  async writeStream (type: string, size: number, chunks: AsyncIterable<Uint8Array>): Promise<string> {
    const hash = createHash('sha1').update(`${type} ${size}\0`)
    const deflate = zlib.createDeflate({ level: 1 })
    const parts: Buffer[] = []
    deflate.on('data', (d: Buffer) => parts.push(d))
    const ended = new Promise<void>((resolve, reject) => { deflate.on('end', resolve); deflate.on('error', reject) })
    let seen = 0
    for await (const c of chunks) {
      seen += c.byteLength
      hash.update(c)
      if (!deflate.write(c)) await new Promise(resolve => deflate.once('drain', resolve))
    }
    if (seen !== size) fail('BAD_OBJECT', `a file said it holds ${size} bytes but gave ${seen}`)
    deflate.end()
    await ended
    const id = hash.digest('hex')
    if (this.seen.has(id)) return id
    this.open()
    this.out(this.header(type, size))
    for (const p of parts) this.out(p)
    this.seen.add(id)
    this.written++
    this.total++
    return id
  }

  /** Ends the pack (its count and SHA-1 trailer), names it as git does and has git index it. */
  finish (): void {
    if (this.fd === undefined) return
    this.drain()
    const fd = this.fd
    this.fd = undefined
    const count = Buffer.alloc(4)
    count.writeUInt32BE(this.written)
    fs.writeSync(fd, count, 0, 4, 8)
    const hash = createHash('sha1')
    const chunk = Buffer.alloc(1024 * 1024)
    for (let at = 0; ;) {
      const n = fs.readSync(fd, chunk, 0, chunk.byteLength, at)
      if (n === 0) break
      hash.update(chunk.subarray(0, n))
      at += n
    }
    const sum = hash.digest()
    fs.writeSync(fd, sum, 0, sum.byteLength, fs.fstatSync(fd).size)
    fs.closeSync(fd)
    const pack = path.join(this.packDir, `pack-${sum.toString('hex')}.pack`)
    fs.renameSync(this.tmp, pack)
    const r = spawnSync('git', ['--git-dir', this.gitDir, 'index-pack', pack], { encoding: 'utf8' })
    if (r.status !== 0) fail('GIT_FAILED', `git index-pack failed on the exported objects: ${(r.stderr ?? '').trim().split('\n')[0]}`)
    this.written = 0
    this.seen.clear()
  }

  /** Drops an unfinished pack (a failed export). */
  abandon (): void {
    if (this.fd === undefined) return
    fs.closeSync(this.fd)
    this.fd = undefined
    fs.rmSync(this.tmp, { force: true })
  }
}

/** The refs of a repository: name -> object ID, with what an annotated tag points to. */
export interface GitRef { name: string, id: string, type: string, peeled?: string }

export function listGitRefs (gitDir: string, patterns: string[]): GitRef[] {
  const text = runGit(gitDir, ['for-each-ref', '--format=%(objectname) %(objecttype) %(refname) %(*objectname)', ...patterns])
  const out: GitRef[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const [id, type, name, peeled] = line.split(' ')
    out.push({ name, id, type, peeled: peeled === '' ? undefined : peeled })
  }
  return out
}

/** The commits reachable from `tips` and not from `exclude`, parents before children. */
export function gitCommitsToImport (gitDir: string, tips: string[], exclude: Iterable<string>): string[] {
  if (tips.length === 0) return []
  let input = tips.join('\n') + '\n'
  for (const x of exclude) input += '^' + x + '\n'
  return runGit(gitDir, ['rev-list', '--topo-order', '--reverse', '--stdin'], input).split('\n').filter(l => l !== '')
}

/** Sets refs in one transaction (`git update-ref --stdin`). */
export function updateGitRefs (gitDir: string, refs: Array<[string, string]>): void {
  if (refs.length === 0) return
  runGit(gitDir, ['update-ref', '--stdin'], refs.map(([r, id]) => `update ${r} ${id}\n`).join(''))
}

/** Makes an empty git repository (bare or not) at `dir`, unless one is there. */
export function initGitRepository (dir: string, bare: boolean): string {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    return resolveGitDir(dir)
  }
  const r = spawnSync('git', ['init', '-q', ...(bare ? ['--bare'] : []), dir], { encoding: 'utf8' })
  if (r.error !== undefined) fail('GIT_MISSING', `cannot run git: ${r.error.message}`, { hint: 'install git (apt-get install git)' })
  if (r.status !== 0) fail('GIT_FAILED', `git init ${dir} failed: ${r.stderr.trim()}`)
  return resolveGitDir(dir)
}

export function gitConfigValue (gitDir: string, key: string): string | undefined {
  const r = spawnSync('git', ['--git-dir', gitDir, 'config', '--get', key], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

/** Where git-lfs keeps an object's content in this repository. */
export function lfsObjectPath (gitDir: string, oid: string): string {
  return path.join(gitDir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)
}

/** Whether a repository holds any object yet (a pack, or a loose object). */
export function gitHasObjects (gitDir: string): boolean {
  const objects = path.join(gitDir, 'objects')
  let names: string[]
  try { names = fs.readdirSync(objects) } catch { return false }
  for (const n of names) {
    if (n === 'pack') {
      try { if (fs.readdirSync(path.join(objects, n)).some(f => f.endsWith('.pack'))) return true } catch {}
    } else if (/^[0-9a-f]{2}$/.test(n)) {
      try { if (fs.readdirSync(path.join(objects, n)).length > 0) return true } catch {}
    }
  }
  // objects/info/alternates: another repository's objects count as here
  return fs.existsSync(path.join(objects, 'info', 'alternates'))
}
