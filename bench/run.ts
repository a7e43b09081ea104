/**
 * acache benchmarks: each figure next to a peer measured in the same run on
 * the same data (git, openssl dgst -sha256, cp), printed as a ratio.
 * Not a test: nothing here passes or fails.
 *
 *   npm run bench                       # everything, full size
 *   BENCH_FILES=20000 BENCH_BIG_MB=256 npm run bench   # smaller
 *   BENCH_SKIP_GIT_BIG=1 npm run bench  # skip git add of the big file (about 45 s a GiB)
 *   BENCH_CKPT_MB=256 BENCH_HUGE_GB=0 npm run bench   # a smaller checkpoint, no 10 GiB file
 *   BENCH_ONLY=1,2 npm run bench        # only some sections (numbered below)
 *   BENCH_ONLY=6 BENCH_DIFF_LINES=20000 npm run bench   # diff speed alone, a smaller file
 *   BENCH_ONLY=7 npm run bench          # import and export of a git history (BENCH_GIT_COMMITS, BENCH_GIT_FILES)
 *   BENCH_ONLY=9 npm run bench          # a dataset of small files through commit, push, clone against git + git-lfs (BENCH_LFS_FILES)
 *   BENCH_ONLY=8 npm run bench          # status and commit in a small repository, against node -e 0
 *   BENCH_ONLY=10 npm run bench         # the web view's pages on a directory of 100,000 files and a 1 GiB file
 *
 * What a section leaves is deleted when the run ends, not between sections
 * (on a disk with discard, deleting gigabytes slows writes for minutes): a
 * full run needs about 40 GB free in the temporary directory.
 */
import fs from 'node:fs'
import crypto from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.join(ROOT, 'bin', 'acache.js')
const FILES = Number(process.env.BENCH_FILES ?? 100_000)
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 1024)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'acache-bench-'))
const home = path.join(work, 'home')
// git's automatic gc is off: after a commit of 100,000 files it runs detached, competes with the
// timings that follow, and writes into .git while the run's end deletes it (ENOTEMPTY)
const env = { ...process.env, ACACHE_HOME: home, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'gc.auto', GIT_CONFIG_VALUE_0: '0' }

function sh (cmd: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): number {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] })
  const s = Number(process.hrtime.bigint() - t) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return s
}
const acache = (args: string[], cwd: string): number => sh(process.execPath, [BIN, ...args], cwd)
/** Runs acache and reports its time and peak memory (resident set, MiB) as the kernel counted it. */
function measured (args: string[], cwd: string): { s: number, mib: number } {
  return measuredCmd(process.execPath, [BIN, ...args], cwd)
}
/** Any command's time and peak memory (the largest process it ran, as the kernel counted it). */
function measuredCmd (cmd: string, args: string[], cwd: string): { s: number, mib: number } {
  const t = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  const s = Number(process.hrtime.bigint() - t) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return { s, mib: Math.round(Number(r.stderr.trim().split('\n').pop()) / 1024) }
}
/** A file of `mb` MiB of random bytes (incompressible, undeduplicable). */
function randomFile (file: string, mb: number): void {
  const fd = fs.openSync(file, 'w')
  const chunk = Buffer.alloc(1 << 20)
  for (let i = 0; i < mb; i++) { for (let j = 0; j < chunk.length; j += 4) chunk.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j); fs.writeSync(fd, chunk) }
  fs.closeSync(fd)
}
/** BENCH_ONLY=1,3 runs only those sections */
const only = process.env.BENCH_ONLY?.split(',').map(Number)
const section = (n: number): boolean => only === undefined || only.includes(n)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/**
 * Puts a directory or file aside, to be deleted when the run ends: deleting
 * a large tree keeps an ext4 disk with discard busy for minutes, which would
 * slow every timing after it.
 */
let trashed = 0
function trash (p: string): void {
  fs.mkdirSync(path.join(work, 'trash'), { recursive: true })
  fs.renameSync(p, path.join(work, 'trash', String(trashed++)))
}
/**
 * Before a timing that writes gigabytes: everything on disk, the page cache
 * emptied, then `file` read back into it (as it was for openssl). On a
 * virtual machine whose memory the host backs only when first touched (this
 * one), writing into pages never used before costs ~10x more than into
 * recycled ones: dd of 1 GiB into a new file took 2.5 s of system time on
 * fresh memory and 0.24 s on recycled memory here, whatever wrote it. A
 * machine that has run for a while has no such pages left. Needs root
 * (says so, and times as it is, otherwise).
 */
function recycleMemory (file: string): void {
  spawnSync('sync')
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3')
  } catch {
    console.log('(cannot drop the page cache: not root; the next write timing may include first-touch costs of fresh memory)')
  }
  readBack(file)
}
/** Reads a file, or every file under a directory, into the page cache. */
function readBack (p: string): void {
  if (!fs.statSync(p).isDirectory()) { spawnSync('cat', [p], { stdio: 'ignore' }); return }
  for (const e of fs.readdirSync(p, { withFileTypes: true })) readBack(path.join(p, e.name))
}
const rows: string[][] = []
function report (what: string, ours: number, peerName: string, peer: number, goal: string): void {
  const row = [what, `${ours.toFixed(3)} s`, `${peerName} ${peer.toFixed(3)} s`, `${(ours / peer).toFixed(2)}x`, goal]
  rows.push(row)
  console.log(row.join('  |  '))
}

console.log(`acache benchmarks in ${work} (${os.cpus().length} cores, node ${process.version})`)
acache(['id', 'new', '--name', 'bench'], work)

// 1. status on an unchanged tree of many small files, and commit after changing one.
if (section(1)) {
  const dir = path.join(work, 'many')
  fs.mkdirSync(dir)
  const perDir = 100
  for (let d = 0; d < FILES / perDir; d++) {
    fs.mkdirSync(path.join(dir, `d${d}`))
    for (let f = 0; f < perDir; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}.txt`), `file ${d} ${f}\n`)
  }
  // Both tools work in the same directory: each ignores the other's state, as a user would.
  fs.writeFileSync(path.join(dir, '.acacheignore'), '.git/\n')
  const first = (acache(['init', '-q'], dir), measured(['commit', '-q', '-m', 'init'], dir))
  const initA = first.s
  const initG = sh('git', ['init', '-q'], dir) + (fs.writeFileSync(path.join(dir, '.git', 'info', 'exclude'), '.acache/\n'), 0) + sh('git', ['add', '-A'], dir) + sh('git', ['commit', '-q', '-m', 'init'], dir)
  report(`first commit of ${FILES} small files (peak memory ${first.mib} MiB)`, initA, 'git init+add+commit', initG, '(no goal)')
  spawnSync('sync') // the 200,000 files both just wrote are on disk: no writeback under the timings
  acache(['status'], dir); sh('git', ['status'], dir) // warm both caches
  const a: number[] = []; const g: number[] = []
  for (let i = 0; i < RUNS; i++) { a.push(acache(['status'], dir)); g.push(sh('git', ['status'], dir)) }
  report(`status, ${FILES} unchanged files (median of ${RUNS})`, median(a), 'git status', median(g), 'within 2x git')
  // the native lstat helper against fs.lstatSync: the A/B that says whether it earns its keep
  const withoutNative = median(Array.from({ length: RUNS }, () => sh(process.execPath, [BIN, 'status'], dir, { ACACHE_NATIVE: '0' })))
  const withNative = median(Array.from({ length: RUNS }, () => sh(process.execPath, [BIN, 'status'], dir, { ACACHE_NATIVE: '1' })))
  report(`status, ${FILES} files, native lstat helper (median of ${RUNS})`, withNative, 'ACACHE_NATIVE=0 (fs.lstatSync)', withoutNative, '(A/B: below 1x is its gain)')
  const ca: number[] = []; const cg: number[] = []
  for (let i = 0; i < RUNS; i++) {
    fs.appendFileSync(path.join(dir, 'd1', `f${i}.txt`), 'changed\n')
    ca.push(acache(['commit', '-q', '-m', `c${i}`], dir))
    fs.appendFileSync(path.join(dir, 'd2', `f${i}.txt`), 'changed\n')
    cg.push(sh('git', ['add', '-A'], dir) + sh('git', ['commit', '-q', '-m', `c${i}`], dir))
  }
  report(`commit after changing 1 file in ${FILES} (median of ${RUNS})`, median(ca), 'git add -A + commit', median(cg), 'within 2x git')
  trash(dir)
}

// 2. commit of one large file.
if (section(2)) {
  const dir = path.join(work, 'big')
  fs.mkdirSync(dir)
  const file = path.join(dir, 'model.bin')
  randomFile(file, BIG_MB)
  const hash = median([0, 1, 2].map(() => sh('openssl', ['dgst', '-sha256', file], dir)))
  acache(['init', '-q'], dir)
  recycleMemory(file)
  const big = measured(['commit', '-q', '-m', 'big'], dir)
  const ours = big.s
  report(`commit of one ${BIG_MB} MiB file (peak memory ${big.mib} MiB)`, ours, 'openssl dgst -sha256', hash, 'within 2x openssl')
  trash(path.join(dir, '.acache'))
  recycleMemory(file)
  // acache fsyncs its refs, which makes the file system write the blocks out: compare with a durable copy
  const cp = sh('sh', ['-c', `cp "${file}" "${path.join(work, 'copy.bin')}" && sync`], dir)
  trash(path.join(work, 'copy.bin'))
  report(`  (the same commit against writing the bytes once)`, ours, 'cp + sync', cp, 'the disk floor')
  // 2b. reading it back through a read-only mount, against reading the working root file
  {
    const { spawn } = await import('node:child_process')
    acache(['init', '-q'], dir)
    acache(['commit', '-q', '-m', 'big'], dir)
    const mp = path.join(work, 'mnt')
    const m = spawn(process.execPath, [BIN, 'mount', mp], { cwd: dir, env, stdio: 'ignore' })
    for (let i = 0; i < 200 && !fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(mp); i++) await new Promise(resolve => setTimeout(resolve, 50))
    spawnSync('sh', ['-c', 'sync; echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' })
    const viaMount = sh('sh', ['-c', `cat "${path.join(mp, 'model.bin')}" > /dev/null`], work)
    spawnSync('sh', ['-c', 'sync; echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' })
    const direct = sh('sh', ['-c', `cat "${file}" > /dev/null`], work)
    const mb = BIG_MB * 1.048576
    report(`read ${BIG_MB} MiB through a read-only mount (${(mb / viaMount).toFixed(0)} MB/s)`, viaMount, `from the working root (${(mb / direct).toFixed(0)} MB/s)`, direct, '(MB/s side by side)')
    m.kill('SIGTERM')
    await new Promise(resolve => m.once('exit', resolve))
    // The floor of any FUSE read here: a file system (fuse-native, as acache's mount) that answers every read with zeros
    const zmp = path.join(work, 'zeros')
    fs.mkdirSync(zmp, { recursive: true })
    const size = BIG_MB * 1024 * 1024
    const nullFs = `const Fuse = require('fuse-native'); const t = new Date()
      const f = new Fuse(process.argv[1], {
        readdir: (p, cb) => cb(0, p === '/' ? ['zeros.bin'] : []),
        getattr: (p, cb) => p === '/' ? cb(0, { mtime: t, atime: t, ctime: t, nlink: 2, size: 4096, mode: 0o40555, uid: 0, gid: 0 })
          : p === '/zeros.bin' ? cb(0, { mtime: t, atime: t, ctime: t, nlink: 1, size: ${size}, mode: 0o100444, uid: 0, gid: 0 }) : cb(Fuse.ENOENT),
        open: (p, flags, cb) => cb(0, 42),
        release: (p, fd, cb) => cb(0),
        read: (p, fd, buf, len, pos, cb) => { const n = Math.max(0, Math.min(len, ${size} - pos)); buf.fill(0, 0, n); cb(n) }
      }, { timeout: false })
      f.mount((err) => { if (err) { console.error(err.message); process.exit(1) } })
      process.on('SIGTERM', () => f.unmount(() => process.exit(0)))`
    const z = spawn(process.execPath, ['-e', nullFs, zmp], { cwd: ROOT, stdio: 'ignore' })
    for (let i = 0; i < 200 && !fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(zmp); i++) await new Promise(resolve => setTimeout(resolve, 50))
    const viaNull = sh('sh', ['-c', `cat "${path.join(zmp, 'zeros.bin')}" > /dev/null`], work)
    report(`  (the same read against FUSE answering zeros: ${(mb / viaNull).toFixed(0)} MB/s)`, viaMount, 'a null FUSE file system', viaNull, '(the FUSE floor here)')
    z.kill('SIGTERM')
    await new Promise(resolve => z.once('exit', resolve))
    trash(path.join(dir, '.acache'))
  }
  if (process.env.BENCH_SKIP_GIT_BIG !== '1') {
    recycleMemory(file)
    const git = sh('git', ['init', '-q'], dir) + sh('git', ['add', 'model.bin'], dir) + sh('git', ['commit', '-q', '-m', 'big'], dir)
    report(`  (the same commit against git)`, ours, 'git add + commit', git, 'at least 10x faster: ratio <= 0.10')
  }
  trash(dir)
}

// 3. fetch of a large repository over HTTP on loopback, against curl of the same bytes.
if (section(3)) {
  const { spawn } = await import('node:child_process')
  const dir = path.join(work, 'served')
  fs.mkdirSync(dir)
  const file = path.join(dir, 'model.bin')
  randomFile(file, BIG_MB)
  acache(['init', '-q'], dir)
  acache(['commit', '-q', '-m', 'big'], dir)
  acache(['push', '-q'], dir)
  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  const url: string = await new Promise((resolve) => server.stdout!.on('data', (c: Buffer) => { out += c; try { resolve(JSON.parse(out).url) } catch {} }))
  const key = JSON.parse(spawnSync(process.execPath, [BIN, 'id', 'show', '--json'], { env, encoding: 'utf8' }).stdout).key
  const head = JSON.parse(spawnSync(process.execPath, [BIN, 'log', '-n', '1', '--json'], { cwd: dir, env, encoding: 'utf8' }).stdout).commits[0].commit
  // Each timing starts as section 2's do (the served blocks in the page cache, the memory written
  // into recycled), the two taken in turn after one fetch that warms the server; medians.
  const blocks = path.join(dir, '.acache', 'blocks')
  const fetchOnce = (i: number): number => {
    const client = path.join(work, `client${i}`)
    fs.mkdirSync(client)
    acache(['init', '-q'], client)
    acache(['remote', 'add', 'origin', url, '--key', key], client)
    recycleMemory(blocks)
    const s = acache(['fetch', '-q', 'origin'], client)
    trash(client)
    return s
  }
  const curlOnce = (i: number): number => {
    recycleMemory(blocks)
    const s = sh('curl', ['-s', '-o', path.join(work, `dl${i}.car`), `${url}/ipfs/${head}?format=car`], work)
    trash(path.join(work, `dl${i}.car`))
    return s
  }
  fetchOnce(0)
  const FETCH_RUNS = Math.min(RUNS, 3)
  const a: number[] = []
  const c: number[] = []
  for (let i = 1; i <= FETCH_RUNS; i++) { a.push(fetchOnce(i)); c.push(curlOnce(i)) }
  const ours = median(a)
  const curl = median(c)
  const mb = BIG_MB * 1.048576
  report(`fetch of a ${BIG_MB} MiB repository over HTTP (${(mb / ours).toFixed(0)} MB/s, median of ${FETCH_RUNS})`, ours, `curl of the same CAR (${(mb / curl).toFixed(0)} MB/s)`, curl, 'at least 80% of curl: ratio <= 1.25')
  server.kill()
  trash(dir)
}

// 4. a model checkpoint edited 10 times: stored bytes under fixed and cdc chunking, against git
//    (every version whole, which is also what git-lfs keeps), and commit speed under cdc against hashing.
//    The versions are made one at a time (one in memory), each committed by all three.
if (section(4)) {
  const MB = Number(process.env.BENCH_CKPT_MB ?? 1024)
  const VERSIONS = Number(process.env.BENCH_CKPT_VERSIONS ?? 10)
  const crypto = await import('node:crypto')
  let seed = crypto.createHash('sha256').update('ckpt').digest()
  let cur = Buffer.alloc(MB * 1024 * 1024)
  for (let o = 0; o < cur.length; o += 32) { seed = crypto.createHash('sha256').update(seed).digest(); seed.copy(cur, o) }
  const rnd = (n: number): number => crypto.randomInt(n)
  const dirs: Record<string, string> = {}
  for (const name of ['fixed', 'cdc', 'git']) {
    dirs[name] = path.join(work, `ckpt-${name}`)
    fs.mkdirSync(dirs[name])
  }
  acache(['init', '-q', '--chunker', 'fixed'], dirs.fixed)
  acache(['init', '-q', '--chunker', 'cdc'], dirs.cdc)
  sh('git', ['init', '-q'], dirs.git)
  const cdcTimes: number[] = []
  const hashTimes: number[] = []
  let whole = 0
  for (let v = 0; v < VERSIONS; v++) {
    if (v > 0) {
      const at = rnd(cur.length)
      cur = Buffer.concat([cur.subarray(0, at), Buffer.from([rnd(256)]), cur.subarray(at)]) // a 1-byte insertion
      crypto.randomFillSync(cur, rnd(cur.length - (1 << 20)), 1 << 20) // a 1 MiB overwrite
    }
    whole += cur.length
    for (const name of ['fixed', 'cdc', 'git']) fs.writeFileSync(path.join(dirs[name], 'model.ckpt'), cur)
    spawnSync('sync')
    hashTimes.push(sh('openssl', ['dgst', '-sha256', path.join(dirs.cdc, 'model.ckpt')], work))
    cdcTimes.push(acache(['commit', '-q', '-m', `v${v}`], dirs.cdc))
    acache(['commit', '-q', '-m', `v${v}`], dirs.fixed)
    sh('git', ['add', 'model.ckpt'], dirs.git)
    sh('git', ['commit', '-q', '-m', `v${v}`], dirs.git)
  }
  const du = (d: string): number => Number(spawnSync('du', ['-sb', d], { encoding: 'utf8' }).stdout.split('\t')[0])
  const stored = { cdc: du(path.join(dirs.cdc, '.acache', 'blocks')), fixed: du(path.join(dirs.fixed, '.acache', 'blocks')), git: du(path.join(dirs.git, '.git', 'objects')) }
  report(`cdc commit of a ${MB} MiB checkpoint, first version (everything new)`, cdcTimes[0], 'openssl dgst -sha256', hashTimes[0], 'within 3x hashing')
  if (VERSIONS > 1) report(`cdc commit of an edited version (median of ${VERSIONS - 1})`, median(cdcTimes.slice(1)), 'openssl dgst -sha256', median(hashTimes.slice(1)), 'within 3x hashing')
  const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`
  console.log(`stored after ${VERSIONS} versions of a ${MB} MiB checkpoint: cdc ${mib(stored.cdc)}, fixed ${mib(stored.fixed)}, git ${mib(stored.git)} (every version whole: ${mib(whole)})`)
  rows.push([`stored bytes, ${VERSIONS} edited versions of a ${MB} MiB checkpoint`, `cdc ${mib(stored.cdc)}`, `git ${mib(stored.git)} / fixed ${mib(stored.fixed)}`, `${(stored.cdc / stored.git).toFixed(2)}x git, ${(stored.cdc / stored.fixed).toFixed(2)}x fixed`, 'less than git-lfs and fixed'])
  for (const d of Object.values(dirs)) trash(d)
}

// 5. bounded memory: one very large file (BENCH_HUGE_GB, default 10; 0 skips), committed with its peak memory.
if (section(5)) {
  const GB = Number(process.env.BENCH_HUGE_GB ?? 10)
  if (GB > 0) {
    const dir = path.join(work, 'huge')
    fs.mkdirSync(dir)
    const file = path.join(dir, 'huge.bin')
    // random 1 MiB pieces, each made unique by its number (fast to write, nothing dedups)
    const piece = (await import('node:crypto')).randomBytes(1 << 20)
    const fd = fs.openSync(file, 'w')
    for (let i = 0; i < GB * 1024; i++) { piece.writeUInt32LE(i, 0); fs.writeSync(fd, piece) }
    fs.closeSync(fd)
    spawnSync('sync')
    const hash = sh('openssl', ['dgst', '-sha256', file], dir)
    acache(['init', '-q'], dir)
    const m = measured(['commit', '-q', '-m', 'huge'], dir)
    report(`commit of one ${GB} GiB file (${(GB * 1073.741824 / m.s).toFixed(0)} MB/s, peak memory ${m.mib} MiB)`, m.s, 'openssl dgst -sha256', hash, 'bounded memory')
    trash(dir)
  }
}

// 6. diff of a rewritten text file of 100,000 lines (every line changed), and of one with scattered edits, against git diff.
if (section(6)) {
  const dir = path.join(work, 'textdiff')
  fs.mkdirSync(dir)
  const LINES = Number(process.env.BENCH_DIFF_LINES ?? 100_000)
  const file = path.join(dir, 'big.txt')
  const lines = (f: (i: number) => string): string => Array.from({ length: LINES }, (_, i) => f(i)).join('')
  fs.writeFileSync(file, lines(i => `line ${i} of the original text, with some words in it\n`))
  fs.writeFileSync(path.join(dir, '.acacheignore'), '.git/\n')
  acache(['init', '-q'], dir)
  acache(['commit', '-q', '-m', 'text'], dir)
  sh('git', ['init', '-q'], dir)
  fs.writeFileSync(path.join(dir, '.git', 'info', 'exclude'), '.acache/\n')
  sh('git', ['add', '-A'], dir)
  sh('git', ['commit', '-q', '-m', 'text'], dir)
  for (const [what, f] of [
    ['rewritten', (i: number) => `line ${i} rewritten entirely, nothing left of the original\n`],
    ['edited every 100th line', (i: number) => i % 100 === 0 ? `line ${i} edited\n` : `line ${i} of the original text, with some words in it\n`]
  ] as Array<[string, (i: number) => string]>) {
    fs.writeFileSync(file, lines(f))
    acache(['diff'], dir); sh('git', ['diff'], dir) // both read the new file once
    const a: number[] = []; const g: number[] = []
    for (let i = 0; i < RUNS; i++) { a.push(acache(['diff'], dir)); g.push(sh('git', ['diff'], dir)) }
    report(`diff of a ${what} ${LINES}-line file (median of ${RUNS})`, median(a), 'git diff', median(g), 'within 5x git')
  }
  trash(dir)
}

// 7. import of a git history: every commit signed, every tree and file stored as acache's.
if (section(7)) {
  const COMMITS = Number(process.env.BENCH_GIT_COMMITS ?? 5000)
  const GIT_FILES = Number(process.env.BENCH_GIT_FILES ?? 2000)
  const src = path.join(work, 'gitsrc')
  sh('git', ['init', '-q', '--bare', src], work)
  // the history, written by git fast-import: one commit of every file, then commits that change 1 to 3 files each
  const lines: string[] = []
  let seed = 7
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  const file = (i: number): string => `src/d${i % 40}/file${i}.txt`
  const body = (i: number, v: number): string => Array.from({ length: 20 + (i % 30) }, (_, l) => `line ${l} of file ${i}, version ${v}`).join('\n') + '\n'
  const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}`
  lines.push('commit refs/heads/main', 'committer b <b@b> 1700000000 +0000', data('all files\n'))
  for (let i = 0; i < GIT_FILES; i++) lines.push(`M 100644 inline ${file(i)}`, data(body(i, 0)))
  for (let c = 1; c < COMMITS; c++) {
    lines.push('commit refs/heads/main', `committer b <b@b> ${1700000000 + c} +0000`, data(`change ${c}\n`))
    for (let k = 0, n = 1 + rand(3); k < n; k++) { const i = rand(GIT_FILES); lines.push(`M 100644 inline ${file(i)}`, data(body(i, c))) }
  }
  const made = spawnSync('git', ['--git-dir', src, 'fast-import', '--quiet'], { input: lines.join('\n') + '\n', env, maxBuffer: 1 << 30 })
  if (made.status !== 0) throw new Error(`git fast-import: ${made.stderr}`)
  const peerDir = path.join(work, 'gitpeer')
  sh('git', ['init', '-q', '--bare', peerDir], work)
  const marks = (n: string): string => path.join(work, `marks-${n}`)
  const peer = sh('sh', ['-c', `git --git-dir '${src}' fast-export --all --export-marks='${marks('a')}' | git --git-dir '${peerDir}' fast-import --quiet --export-marks='${marks('b')}'`], work)
  // a bare store, as git fast-import writes no work tree either
  const dir = path.join(work, 'imported')
  fs.mkdirSync(dir)
  acache(['init', '-q', '--bare'], dir)
  const ours = measured(['import', 'git', src], dir)
  report(`import git of ${COMMITS} commits, ${GIT_FILES} files (peak memory ${ours.mib} MiB)`, ours.s, 'git fast-export | fast-import', peer, 'within 3x git, under 300 MiB')
  // one more git commit: only it is imported
  const more = ['commit refs/heads/main', `committer b <b@b> ${1700000000 + COMMITS} +0000`, data('one more\n'), 'from refs/heads/main^0', `M 100644 inline ${file(1)}`, data(body(1, COMMITS))]
  spawnSync('git', ['--git-dir', src, 'fast-import', '--quiet'], { input: more.join('\n') + '\n', env })
  const inc = measured(['import', 'git', src], dir)
  // git's own incremental route: marks from the first run say what the other side has
  const peerInc = sh('sh', ['-c', `git --git-dir '${src}' fast-export --all --import-marks='${marks('a')}' | git --git-dir '${peerDir}' fast-import --quiet --import-marks='${marks('b')}'`], work)
  report(`import git of 1 new commit (peak memory ${inc.mib} MiB)`, inc.s, 'git fast-export | fast-import', peerInc, 'under 1 s')
  const out = path.join(work, 'exported')
  const exp = measured(['export', 'git', out, '--bare'], dir)
  report(`export git of the same ${COMMITS + 1} commits (peak memory ${exp.mib} MiB)`, exp.s, 'git fast-export | fast-import', peer, '(no goal)')
  trash(dir); trash(src); trash(peerDir); trash(out)
}

// 8. everyday commands in a small repository, against starting Node at all (their floor) and git.
if (section(8)) {
  const dir = path.join(work, 'small')
  fs.mkdirSync(dir)
  for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), `file ${i}\n`)
  fs.writeFileSync(path.join(dir, '.acacheignore'), '.git/\n')
  acache(['init', '-q'], dir)
  acache(['commit', '-q', '-m', 'init'], dir)
  sh('git', ['init', '-q'], dir)
  fs.writeFileSync(path.join(dir, '.git', 'info', 'exclude'), '.acache/\n')
  sh('git', ['add', '-A'], dir)
  sh('git', ['commit', '-q', '-m', 'init'], dir)
  const nodeStart = median(Array.from({ length: RUNS }, () => sh(process.execPath, ['-e', '0'], dir)))
  const st = median(Array.from({ length: RUNS }, () => acache(['status'], dir)))
  report(`status of 100 files (median of ${RUNS})`, st, 'node -e 0', nodeStart, 'within 2x node -e 0')
  const ca: number[] = []; const cg: number[] = []
  for (let i = 0; i < RUNS; i++) {
    fs.appendFileSync(path.join(dir, `f${i}.txt`), 'more\n')
    ca.push(acache(['commit', '-q', '-m', `c${i}`], dir))
    cg.push(sh('git', ['commit', '-q', '-am', `c${i}`], dir))
  }
  report(`commit of one change in 100 files (median of ${RUNS}; git commit -a ${median(cg).toFixed(3)} s)`, median(ca), 'node -e 0', nodeStart, 'within 2x node -e 0')
  trash(dir)
}

// 9. a dataset of many small files (the shape of the image sets Oxen publishes its figures on:
//    CelebA is 202,599 images) through add, commit, push to a server and clone, against git +
//    git-lfs on the same files. acache pushes to `acache serve` over HTTP on loopback; git pushes to
//    a bare repository by file://, its LFS objects by git-lfs's own standalone file transfer (no
//    LFS server needed): the nearest git-lfs comes to the same step on one machine.
if (section(9)) {
  const { spawn } = await import('node:child_process')
  const N = Number(process.env.BENCH_LFS_FILES ?? 100_000)
  const ours = path.join(work, 'ds-acache')
  const theirs = path.join(work, 'ds-git')
  // small "images": 1 to 4 KiB of random bytes each, a thousand to a directory
  let bytes = 0
  for (const dir of [ours, theirs]) fs.mkdirSync(dir)
  for (let i = 0; i < N; i++) {
    const d = `img${Math.floor(i / 1000)}`
    if (i % 1000 === 0) for (const dir of [ours, theirs]) fs.mkdirSync(path.join(dir, d))
    const b = crypto.randomBytes(1024 + (i * 7919) % 3072)
    bytes += b.byteLength
    for (const dir of [ours, theirs]) fs.writeFileSync(path.join(dir, d, `${i}.jpg`), b)
  }
  console.log(`dataset: ${N} files, ${(bytes / 1048576).toFixed(0)} MiB`)
  spawnSync('sync')
  const step = (what: string, a: { s: number, mib: number }, peerName: string, g: { s: number, mib: number }): void =>
    report(`${what} of ${N} small files (peak memory ${a.mib} MiB; ${peerName.split(' ')[0]}'s ${g.mib} MiB)`, a.s, peerName, g.s, 'faster than git-lfs')
  // add and commit: acache has no staging area, so its commit is set against git add + git commit
  acache(['init', '-q'], ours)
  const commitA = measured(['commit', '-q', '-m', 'dataset'], ours)
  sh('git', ['init', '-q', '-b', 'main'], theirs)
  sh('git', ['lfs', 'install', '--local'], theirs)
  sh('git', ['lfs', 'track', '*.jpg'], theirs)
  const addG = measuredCmd('git', ['add', '-A'], theirs)
  const commitG = measuredCmd('git', ['commit', '-q', '-m', 'dataset'], theirs)
  step('add + commit', commitA, 'git add + git commit (git-lfs)', { s: addG.s + commitG.s, mib: Math.max(addG.mib, commitG.mib) })
  // push to a server
  const hub = path.join(work, 'hub')
  fs.mkdirSync(hub)
  acache(['init', '-q', '--bare'], hub)
  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { cwd: hub, env, stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  const url: string = await new Promise((resolve) => server.stdout!.on('data', (c: Buffer) => { out += c; try { resolve(JSON.parse(out).url) } catch {} }))
  const key = JSON.parse(spawnSync(process.execPath, [BIN, 'id', 'show', '--json'], { env, encoding: 'utf8' }).stdout).key
  acache(['remote', 'add', 'hub', url, '--key', key], ours)
  const pushA = measured(['push', '-q', 'hub'], ours)
  const hubGit = path.join(work, 'hub.git')
  sh('git', ['init', '-q', '--bare', '-b', 'main', hubGit], work)
  sh('git', ['remote', 'add', 'hub', `file://${hubGit}`], theirs)
  const pushG = measuredCmd('git', ['push', '-q', 'hub', 'main'], theirs)
  step('push', pushA, 'git push (git-lfs, file://)', pushG)
  // clone from the server, checked out
  const cloneA = measured(['clone', url, path.join(work, 'clone-acache'), '--key', key], work)
  const lfs = ['-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.smudge=git-lfs smudge -- %f', '-c', 'filter.lfs.clean=git-lfs clean -- %f', '-c', 'filter.lfs.required=true']
  const cloneG = measuredCmd('git', [...lfs, 'clone', '-q', `file://${hubGit}`, path.join(work, 'clone-git')], work)
  const got = fs.readdirSync(path.join(work, 'clone-git', 'img0')).length
  if (got !== Math.min(N, 1000) || fs.statSync(path.join(work, 'clone-git', 'img0', '0.jpg')).size < 1024) throw new Error('git clone did not check out the LFS objects')
  step('clone', cloneA, 'git clone (git-lfs, file://)', cloneG)
  server.kill()
  await new Promise(resolve => server.once('exit', resolve))
  for (const p of [ours, theirs, hub, hubGit, path.join(work, 'clone-acache'), path.join(work, 'clone-git')]) trash(p)
}

// 10. the web view (serve /ui/): pages of a directory of 100,000 entries, a 1 GiB file's page, the commit that added them;
// next to `ls -l` of the same directory (the file system listing it). Each the median of RUNS requests to a running serve.
if (section(10)) {
  const { spawn } = await import('node:child_process')
  const N = Number(process.env.BENCH_WEB_FILES ?? 100_000)
  const repo = path.join(work, 'web')
  const many = path.join(repo, 'many')
  fs.mkdirSync(many, { recursive: true })
  for (let i = 0; i < N; i++) fs.writeFileSync(path.join(many, `f${String(i).padStart(6, '0')}.txt`), `${i}\n`)
  const fd = fs.openSync(path.join(repo, 'huge.bin'), 'w')
  fs.ftruncateSync(fd, 1024 ** 3)
  fs.closeSync(fd)
  acache(['init', '-q'], repo)
  acache(['commit', '-q', '-m', 'big'], repo)
  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  const url: string = await new Promise((resolve) => server.stdout!.on('data', (c: Buffer) => { out += c; try { resolve(JSON.parse(out).url) } catch {} }))
  // the first request of a page reads the directory (serve keeps its listing: a CID never changes); the others are timed apart
  const timeGet = async (p: string): Promise<number> => {
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint()
      const r = await fetch(url + p)
      await r.arrayBuffer()
      if (r.status !== 200) throw new Error(`${p}: ${r.status}`)
      times.push(Number(process.hrtime.bigint() - t) / 1e9)
    }
    return median(times)
  }
  const ls = median(Array.from({ length: RUNS }, () => sh('sh', ['-c', 'ls -l many > /dev/null'], repo)))
  const last = Math.ceil(N / 500) - 1
  const firstGet = async (p: string): Promise<number> => {
    const t = process.hrtime.bigint()
    const r = await fetch(url + p)
    await r.arrayBuffer()
    if (r.status !== 200) throw new Error(`${p}: ${r.status}`)
    return Number(process.hrtime.bigint() - t) / 1e9
  }
  report(`web view: a directory of ${N} entries, first visit (its listing read)`, await firstGet('/ui/tree/main/many'), 'ls -l', ls, 'under 1 s')
  report(`web view: first page of that directory again`, await timeGet('/ui/tree/main/many'), 'ls -l', ls, 'under 1 s')
  report(`web view: last page of that directory`, await timeGet(`/ui/tree/main/many?page=${last}`), 'ls -l', ls, 'under 1 s')
  report('web view: the page of a 1 GiB file', await timeGet('/ui/blob/main/huge.bin'), 'ls -l', ls, 'under 1 s')
  report(`web view: the commit that added ${N + 1} files (100 diffs, 1,000 listed)`, await timeGet('/ui/commit/main'), 'ls -l', ls, 'under 1 s')
  server.kill()
  await new Promise(resolve => server.once('exit', resolve))
  trash(repo)
}

console.log('\n| benchmark | acache | peer | ratio | goal |\n|---|---|---|---|---|')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
console.log(`(deleting ${work})`)
// (a git started by a test may still be writing: retry)
fs.rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
