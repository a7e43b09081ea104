import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { createHash, randomBytes } from 'node:crypto'
import { spawn, spawnSync, ChildProcess } from 'node:child_process'
import { fail } from '../errors.js'

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

/** `git cat-file --batch` (or `--batch-check` for existence), requests pipelined, answers in order. */
export class GitBatch {
  private readonly proc: ChildProcess
  private readonly pending: Pending[] = []
  private buf: Buffer = Buffer.alloc(0)
  private need: { size: number, type: string } | undefined
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

  private data (d: Buffer): void {
    this.buf = this.buf.byteLength === 0 ? d : Buffer.concat([this.buf, d])
    for (;;) {
      if (this.need === undefined) {
        const nl = this.buf.indexOf(0x0a)
        if (nl < 0) return
        const line = this.buf.toString('utf8', 0, nl)
        this.buf = this.buf.subarray(nl + 1)
        const p = this.pending.shift()
        const parts = line.split(' ')
        if (parts[1] === 'missing' || parts[1] === 'ambiguous' || parts.length < 3) { p?.resolve(undefined); continue }
        const size = Number(parts[2])
        if (this.check) { p?.resolve({ type: parts[1], body: Buffer.alloc(0) }); continue }
        this.pending.unshift(p!)
        this.need = { size, type: parts[1] }
      }
      if (this.buf.byteLength < this.need.size + 1) return
      const body = Buffer.from(this.buf.subarray(0, this.need.size))
      this.buf = this.buf.subarray(this.need.size + 1)
      const type = this.need.type
      this.need = undefined
      this.pending.shift()?.resolve({ type, body })
    }
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

/**
 * Writes loose objects into a git repository, as git does (zlib of
 * "TYPE SIZE\0BODY" at objects/XX/YYYY...), each first to a temporary file
 * and then renamed, so a killed export never leaves half an object.
 */
export class GitObjectWriter {
  readonly objects: string
  written = 0

  constructor (gitDir: string) {
    this.objects = path.join(gitDir, 'objects')
  }

  private target (id: string): string {
    return path.join(this.objects, id.slice(0, 2), id.slice(2))
  }

  private place (id: string, deflated: Buffer): void {
    const file = this.target(id)
    if (fs.existsSync(file)) return
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const tmp = path.join(this.objects, `tmp_obj_${randomBytes(6).toString('hex')}`)
    fs.writeFileSync(tmp, deflated, { mode: 0o444 })
    fs.renameSync(tmp, file)
    this.written++
  }

  /** Writes an object held in memory; returns its ID. */
  write (type: string, body: Uint8Array): string {
    const header = Buffer.from(`${type} ${body.byteLength}\0`)
    const id = createHash('sha1').update(header).update(body).digest('hex')
    if (!fs.existsSync(this.target(id))) this.place(id, zlib.deflateSync(Buffer.concat([header, body]), { level: 1 }))
    return id
  }

  /** Writes a blob streamed from `chunks` (`size` bytes, as declared: the stream must hold exactly that). */
  async writeStream (type: string, size: number, chunks: AsyncIterable<Uint8Array>): Promise<string> {
    const header = Buffer.from(`${type} ${size}\0`)
    const hash = createHash('sha1').update(header)
    const deflate = zlib.createDeflate({ level: 1 })
    const out: Buffer[] = []
    deflate.on('data', (d: Buffer) => out.push(d))
    const ended = new Promise<void>((resolve, reject) => { deflate.on('end', resolve); deflate.on('error', reject) })
    deflate.write(header)
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
    this.place(id, Buffer.concat(out))
    return id
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
