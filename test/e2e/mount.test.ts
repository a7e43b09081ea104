import test from 'ava'
import fs from 'node:fs'
import crypto from 'node:crypto'
import path from 'node:path'
import { spawn, spawnSync, ChildProcess } from 'node:child_process'
import { rawCid } from '../../src/model/tree.js'
import { User, BIN, tmpdir, replaceStoredBlock } from '../helpers.js'
import { PackedBlockStore } from '../../src/store/packed-blockstore.js'
import { isMounted } from '../../src/mount/fuse.js'

// Whatever a failing test leaves mounted is detached, so the suite never hangs on it.
const live: Array<{ mp: string, proc: ChildProcess }> = []
test.afterEach.always(() => {
  for (const { mp, proc } of live.splice(0)) {
    if (isMounted(mp)) spawnSync('fusermount', ['-uz', mp])
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
})

async function startMount (u: User, mp: string, args: string[], home = u.home, env: Record<string, string> = {}): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [BIN, 'mount', mp, ...args], { cwd: u.work, env: { ...process.env, ACACHE_HOME: home, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  live.push({ mp, proc })
  let err = ''
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  for (let i = 0; i < 200; i++) {
    if (isMounted(mp)) return proc
    if (proc.exitCode !== null) throw new Error(`mount exited ${proc.exitCode}: ${err}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`mount did not come up: ${err}`)
}

/** Mounts HEAD with ACACHE_TRACE, runs `use`, unmounts: how many reads the mount answered (its exit trace line). */
async function readsAnswered (u: User, mp: string, use: () => void): Promise<number> {
  const m = await startMount(u, mp, [], u.home, { ACACHE_TRACE: '1' })
  let err = ''
  m.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  try { use() } finally { m.kill('SIGTERM') }
  await exited(m)
  const n = /exit \(peak RSS \d+ MiB; blocks read \d+, fetched \d+, mount reads answered (\d+)/.exec(err)?.[1]
  if (n === undefined) throw new Error(`no exit trace from the mount: ${err}`)
  return Number(n)
}

async function exited (p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null) return p.exitCode
  return await new Promise(resolve => p.once('exit', (code) => resolve(code)))
}

function sh (cmd: string): { code: number, out: string, err: string } {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

function repoWithFiles (): User {
  const u = new User('alice').setup()
  u.write('README.md', '# hello\n')
  u.write('src/main.c', 'int main(void) { return 0; }\n')
  u.write('src/deep/er/file.txt', 'deep\n')
  u.write('bin/run.sh', '#!/bin/sh\necho run\n', 0o755)
  u.write('data/blob.bin', Buffer.alloc(2 * 1024 * 1024 + 123, 9))
  u.write('with space ü.txt', 'x')
  u.write('empty', '')
  fs.symlinkSync('README.md', u.path('link'))
  u.ok(['commit', '-m', 'files'])
  return u
}

// Real FUSE mounts (.ci/run installs fuse): one at a time, so a failure names its own mount.
const t2 = test.serial

t2('a commit mounted read-only: every byte equals show, kinds and sizes right, tools work, writes fail with EROFS', async t => {
  const u = repoWithFiles()
  const mp = path.join(tmpdir(), 'mp')
  const m = await startMount(u, mp, ['--rev', 'main'])
  try {
    for (const p of ['README.md', 'src/main.c', 'src/deep/er/file.txt', 'bin/run.sh', 'data/blob.bin', 'with space ü.txt', 'empty']) {
      const viaShow = spawnSync(process.execPath, [BIN, 'show', `HEAD:${p}`], { cwd: u.work, env: { ...process.env, ACACHE_HOME: u.home }, maxBuffer: 1 << 30 }).stdout
      t.deepEqual(fs.readFileSync(path.join(mp, p)), viaShow, p)
    }
    t.is(fs.readlinkSync(path.join(mp, 'link')), 'README.md')
    t.is(fs.statSync(path.join(mp, 'bin/run.sh')).mode & 0o777, 0o555)
    t.is(fs.statSync(path.join(mp, 'README.md')).mode & 0o777, 0o444)
    t.is(fs.statSync(path.join(mp, 'data/blob.bin')).size, 2 * 1024 * 1024 + 123)
    t.is(sh(`find "${mp}" -type f | wc -l`).out.trim(), '7')
    const copy = path.join(tmpdir(), 'copy')
    t.is(sh(`cp -r "${mp}" "${copy}"`).code, 0)
    t.is(sh(`cd "${mp}" && sha256sum data/blob.bin`).out.split(' ')[0], sh(`cd "${u.work}" && sha256sum data/blob.bin`).out.split(' ')[0])
    t.is(sh(`ls -R "${mp}"`).code, 0)
    t.is(sh(`cd "${mp}" && ./bin/run.sh`).out, 'run\n')
    t.regex(sh(`echo x > "${mp}/new.txt"`).err, /Read-only file system/)
    t.regex(sh(`rm "${mp}/README.md"`).err, /Read-only file system/)
    t.regex(sh(`mkdir "${mp}/d"`).err, /Read-only file system/)
    t.false(fs.existsSync(path.join(mp, '.acache')))
  } finally {
    m.kill('SIGTERM')
  }
  t.is(await exited(m), 0)
  t.false(isMounted(mp))
})

t2('reads are lazy and ranged: the last 4 KiB of a large file need only the blocks that hold them', async t => {
  const u = new User('alice').setup()
  const big = u.path('big.img')
  const size = 512 * 1024 * 1024
  const fd = fs.openSync(big, 'w')
  fs.ftruncateSync(fd, size) // sparse: 511 MiB of zeros, all one block once stored
  fs.writeSync(fd, Buffer.from('THE END'.repeat(585)), 0, 4095, size - 4095)
  fs.closeSync(fd)
  u.ok(['commit', '-m', 'big'])
  // take away the block of zeros: any read that needs it fails now
  const store = new PackedBlockStore(path.join(u.work, '.acache', 'blocks'))
  const zeros = rawCid(new Uint8Array(1024 * 1024)) // 1 MiB of zeros
  t.true(await store.has(zeros))
  await store.delete(zeros)
  const mp = path.join(tmpdir(), 'mp')
  const m = await startMount(u, mp, [])
  try {
    const f = fs.openSync(path.join(mp, 'big.img'), 'r')
    const buf = Buffer.alloc(4095)
    t.is(fs.readSync(f, buf, 0, 4095, size - 4095), 4095)
    t.is(buf.toString().slice(0, 14), 'THE ENDTHE END')
    t.throws(() => fs.readSync(f, Buffer.alloc(10), 0, 10, 0), { code: 'EIO' })
    fs.closeSync(f)
  } finally {
    m.kill('SIGTERM')
  }
  await exited(m)
})

t2('a large file read through the mount in order, its parts read ahead on other threads: every byte right, read again from the kernel cache, a damaged part is EIO and never served', async t => {
  const u = new User('alice').setup()
  const parts = [0, 1, 2, 3, 4].map(i => Buffer.alloc(1024 * 1024, 0x41 + i))
  const whole = Buffer.concat([...parts, Buffer.from('tail')])
  u.write('big.bin', whole)
  u.ok(['commit', '-m', 'five parts and a tail'])
  const mp = path.join(tmpdir(), 'mp')
  const once = await readsAnswered(u, mp, () => { t.true(fs.readFileSync(path.join(mp, 'big.bin')).equals(whole)) })
  t.true(once >= 5 * 1024 * 1024 / (128 * 1024), `5 MiB take at least 40 reads of 128 KiB (${once})`)
  // a commit never changes, so the kernel keeps what it read for the next open: reading it again asks acache nothing
  const twice = await readsAnswered(u, mp, () => {
    for (let i = 0; i < 2; i++) t.true(fs.readFileSync(path.join(mp, 'big.bin')).equals(whole))
  })
  t.is(twice, once)
  // the third part's bytes on disk are not what its CID says: reading past it fails, and the bytes before it are right
  await replaceStoredBlock(u, rawCid(parts[2]), parts[3])
  const m = await startMount(u, mp, [])
  try {
    const f = fs.openSync(path.join(mp, 'big.bin'), 'r')
    const buf = Buffer.alloc(2 * 1024 * 1024)
    t.is(fs.readSync(f, buf, 0, buf.byteLength, 0), buf.byteLength)
    t.true(buf.equals(Buffer.concat(parts.slice(0, 2))))
    t.throws(() => fs.readSync(f, Buffer.alloc(4096), 0, 4096, 2 * 1024 * 1024 + 10), { code: 'EIO' })
    fs.closeSync(f)
  } finally {
    m.kill('SIGTERM')
  }
  await exited(m)
})

t2('a file larger than the mount keeps in memory: every byte right while the memory its parts were read into is used again', async t => {
  const u = new User('alice').setup()
  // 96 parts of 1 MiB, each different: more than the 64 MiB kept and the 80 slots leaves are read into
  const whole = crypto.randomBytes(96 * 1024 * 1024)
  u.write('big.bin', whole)
  u.ok(['commit', '-m', 'a large file'])
  const mp = path.join(tmpdir(), 'mp')
  const m = await startMount(u, mp, [])
  try {
    // backwards by 3 MiB steps (no read ahead), each part checked where it lands; then in order (read ahead)
    const f = fs.openSync(path.join(mp, 'big.bin'), 'r')
    const buf = Buffer.alloc(1024 * 1024 + 7)
    for (let at = whole.byteLength - buf.byteLength; at > 0; at -= 3 * 1024 * 1024) {
      t.is(fs.readSync(f, buf, 0, buf.byteLength, at), buf.byteLength)
      if (!buf.equals(whole.subarray(at, at + buf.byteLength))) { t.fail(`wrong bytes at ${at}`); break }
    }
    fs.closeSync(f)
    t.true(fs.readFileSync(path.join(mp, 'big.bin')).equals(whole))
  } finally {
    m.kill('SIGTERM')
  }
  await exited(m)
})

t2('the working root mounted read-write: edits through the mount are what status and commit see, and survive remounting', async t => {
  const u = repoWithFiles()
  const home = path.join(u.work, 'inner-home') // an ACACHE_HOME inside the working root stays invisible
  fs.mkdirSync(home)
  fs.copyFileSync(path.join(u.home, 'identity'), path.join(home, 'identity'))
  const mp = path.join(tmpdir(), 'wmp')
  const proc = await startMount(u, mp, ['--work'], home) // fails the test unless the mount comes up
  try {
    t.deepEqual(fs.readdirSync(mp).sort(), ['README.md', 'bin', 'data', 'empty', 'link', 'src', 'with space ü.txt'])
    t.false(fs.existsSync(path.join(mp, '.acache')))
    t.false(fs.existsSync(path.join(mp, 'inner-home')))
    fs.writeFileSync(path.join(mp, 'README.md'), '# changed through the mount\n')
    fs.mkdirSync(path.join(mp, 'newdir'))
    fs.writeFileSync(path.join(mp, 'newdir', 'a.txt'), 'a')
    fs.renameSync(path.join(mp, 'src', 'main.c'), path.join(mp, 'src', 'main2.c'))
    fs.unlinkSync(path.join(mp, 'empty'))
    fs.truncateSync(path.join(mp, 'data', 'blob.bin'), 10)
    fs.chmodSync(path.join(mp, 'src', 'main2.c'), 0o755)
    fs.symlinkSync('newdir/a.txt', path.join(mp, 'l2'))
    fs.rmdirSync(path.join(mp, 'src', 'deep', 'er'), { recursive: false } as any) // not empty: must fail
  } catch (err) {
    t.is((err as NodeJS.ErrnoException).code, 'ENOTEMPTY')
  } finally {
    proc.kill('SIGINT')
  }
  await exited(proc)
  const env = { ACACHE_HOME: home }
  t.is(u.ok(['status', '--porcelain'], { env }).stdout, ' M README.md\n M data/blob.bin\n D empty\n D src/main.c\n?? l2\n?? newdir/\n?? src/main2.c\n')
  u.ok(['commit', '-m', 'through the mount'], { env })
  t.is(u.ok(['show', 'HEAD:README.md']).stdout, '# changed through the mount\n')
  t.is(u.ok(['show', 'HEAD:src', '--json']).json.entries.find((e: any) => e.name === 'main2.c').kind, 'exec')
  const again = await startMount(u, mp, ['--work'])
  t.is(fs.readFileSync(path.join(mp, 'newdir', 'a.txt'), 'utf8'), 'a')
  again.kill('SIGTERM')
  await exited(again)
})

t2('concurrent readers agree; unmount while a file is open is refused clearly, --lazy detaches', async t => {
  const u = repoWithFiles()
  const mp = path.join(tmpdir(), 'mp')
  const m = await startMount(u, mp, [])
  const readers = await Promise.all([1, 2, 3, 4].map(async () => await new Promise<string>((resolve) => {
    const p = spawn('sha256sum', [path.join(mp, 'data/blob.bin')])
    let out = ''
    p.stdout.on('data', (c: Buffer) => { out += c.toString() })
    p.on('close', () => resolve(out.split(' ')[0])) // 'close', not 'exit': all of stdout has been read
  })))
  t.is(new Set(readers).size, 1)
  t.is(readers[0], sh(`sha256sum "${u.path('data/blob.bin')}"`).out.split(' ')[0])
  // a shell holding a file open, which says so once it has it
  const holder = spawn('sh', ['-c', `exec 3<"${mp}/README.md"; echo open; sleep 30`])
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', () => resolve())
    holder.on('exit', (code) => reject(new Error(`the holder exited ${String(code)} before opening the file`)))
  })
  const busy = u.run(['umount', mp])
  t.is(busy.code, 5)
  t.regex(busy.stderr, /busy/)
  t.true(isMounted(mp))
  u.ok(['umount', '--lazy', mp])
  t.false(isMounted(mp))
  holder.kill()
  t.is(await exited(m), 0)
})

t2('a crashed mount is reported as stale, cleared by umount, and mounting works again', async t => {
  const u = repoWithFiles()
  const mp = path.join(tmpdir(), 'mp')
  const m = await startMount(u, mp, [])
  m.kill('SIGKILL')
  await exited(m)
  const r = u.run(['mount', mp])
  t.is(r.code, 5)
  t.regex(r.stderr, /stale mount/)
  t.regex(r.stderr, /umount/)
  t.is(sh(`umount "${mp}"`).code, 0)
  const again = await startMount(u, mp, [])
  t.is(fs.readFileSync(path.join(mp, 'README.md'), 'utf8'), '# hello\n')
  again.kill('SIGINT')
  t.is(await exited(again), 0)
})

test('without FUSE, mount says what to install and exits 5; everything else still works', t => {
  const u = repoWithFiles()
  const r = u.run(['mount', path.join(tmpdir(), 'mp')], { env: { ACACHE_FUSE_MODULE: 'no-such-fuse-binding' } })
  t.is(r.code, 5)
  t.regex(r.stderr, /apt-get install fuse libfuse2/)
  t.is(u.run(['status'], { env: { ACACHE_FUSE_MODULE: 'no-such-fuse-binding' } }).code, 0)
})
