/**
 * No double storage where the file system can share extents (reflink): on a
 * real XFS made with reflink=1 (a loop device, as root; npm test's set-up
 * installs xfsprogs), a commit leaves the working file sharing the stored
 * leaves' extents, and a checkout (clone, restore) shares them rather than
 * writing the bytes again. An edit in the working root never changes a
 * stored block. ACACHE_REFLINK=0 is the control: the same steps then cost
 * two copies, so the figures below are what sharing does.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { User, tmpdir } from '../helpers.js'

const MiB = 1024 * 1024
const SIZE = 40 * MiB

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const why = process.getuid?.() !== 0 ? 'not root (a loop mount needs it)' : !has('mkfs.xfs') ? 'mkfs.xfs missing (apt-get install xfsprogs)' : !has('filefrag') ? 'filefrag missing (e2fsprogs)' : undefined

let mnt = ''
let image = ''

test.before(t => {
  if (why !== undefined) return
  const dir = tmpdir('acache-xfs-')
  image = path.join(dir, 'xfs.img')
  mnt = path.join(dir, 'mnt')
  fs.mkdirSync(mnt)
  fs.closeSync(fs.openSync(image, 'w'))
  fs.truncateSync(image, 600 * MiB)
  const mk = spawnSync('mkfs.xfs', ['-q', '-m', 'reflink=1', image], { encoding: 'utf8' })
  if (mk.status !== 0) throw new Error(`mkfs.xfs failed: ${mk.stderr}`)
  const m = spawnSync('mount', ['-o', 'loop', image, mnt], { encoding: 'utf8' })
  if (m.status !== 0) throw new Error(`mount -o loop failed: ${m.stderr}`)
  t.log(`XFS with reflink on a loop device at ${mnt}`)
})

test.after.always(() => {
  if (mnt !== '') spawnSync('umount', [mnt])
  if (image !== '') fs.rmSync(image, { force: true })
})

/** Bytes in use on the file system, after everything written has reached it. */
function used (): number {
  spawnSync('sync')
  const s = fs.statfsSync(mnt)
  return (s.blocks - s.bfree) * s.bsize
}

/** Whether every extent of `file` is shared with another file (filefrag's flag). */
function allShared (file: string): { extents: number, shared: number } {
  const out = spawnSync('filefrag', ['-v', file], { encoding: 'utf8' }).stdout
  const rows = out.split('\n').filter(l => /^\s*\d+:/.test(l))
  return { extents: rows.length, shared: rows.filter(l => /shared/.test(l)).length }
}

function data (seed: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  let block = crypto.createHash('sha256').update(seed).digest()
  for (let o = 0; o < size; o += 32) { block = crypto.createHash('sha256').update(block).digest(); block.copy(out, o) }
  return out
}

const digest = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex')

// without root or xfsprogs the tests are reported as skipped, saying why
if (why !== undefined) console.error(`reflink tests not run: ${why}`)
const serial = why === undefined ? test.serial : test.skip

serial('a commit leaves the working file sharing the stored leaves; an edit in place never changes a stored block', t => {
  const alice = new User('alice', fs.mkdtempSync(path.join(mnt, 'alice-'))).setup()
  const content = data('model-v1', SIZE)
  alice.write('model.bin', content)
  alice.write('small.bin', data('small', 700 * 1024)) // one leaf, stored as a file of its own
  const mtime = fs.statSync(alice.path('model.bin')).mtimeMs
  const before = used()
  alice.ok(['commit', '-m', 'model v1'])
  const grew = used() - before
  t.log(`commit of ${SIZE / MiB} MiB: the file system grew by ${(grew / MiB).toFixed(1)} MiB`)
  t.true(grew < SIZE / 4, `the store took ${grew} bytes for a ${SIZE}-byte file the working root already holds`)
  const ext = allShared(alice.path('model.bin'))
  t.is(ext.shared, ext.extents, 'every extent of the working file is shared with the store')
  t.true(allShared(alice.path('small.bin')).shared > 0)
  // the working file is as it was: same bytes, same times, so status is clean without reading it
  t.is(fs.statSync(alice.path('model.bin')).mtimeMs, mtime)
  t.is(alice.ok(['status', '--porcelain']).stdout, '')

  // an edit in place (no new file, no rename): the store's copy stays as it was
  const fd = fs.openSync(alice.path('model.bin'), 'r+')
  fs.writeSync(fd, Buffer.from('edited in place'), 0, 15, 5 * MiB + 100)
  fs.closeSync(fd)
  t.is(alice.ok(['status', '--porcelain']).stdout, ' M model.bin\n')
  alice.ok(['verify'])
  t.is(digest(alice.bytes(['show', 'HEAD:model.bin'])), digest(content))
  alice.ok(['restore', 'model.bin'])
  t.is(digest(fs.readFileSync(alice.path('model.bin'))), digest(content))
})

serial('a clone and a restore share the store\'s extents: one copy on disk, not two', t => {
  const alice = new User('alice', fs.mkdtempSync(path.join(mnt, 'alice-'))).setup()
  const content = data('dataset', SIZE)
  alice.write('data.bin', content)
  alice.ok(['commit', '-m', 'data'])
  alice.ok(['push'])
  const line = alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()

  const bob = new User('bob', fs.mkdtempSync(path.join(mnt, 'bob-')))
  const before = used()
  bob.ok(['clone', line, 'data'])
  const grew = used() - before
  const file = path.join(bob.work, 'data', 'data.bin')
  t.log(`clone of ${SIZE / MiB} MiB: the file system grew by ${(grew / MiB).toFixed(1)} MiB (the store's copy; the checkout shares it)`)
  t.is(digest(fs.readFileSync(file)), digest(content))
  t.true(grew < SIZE * 1.25, `a clone took ${grew} bytes for ${SIZE} bytes of data`)
  const ext = allShared(file)
  t.is(ext.shared, ext.extents)

  // a restore after a delete shares them again; an edit after it is copied on write
  // (measured by the extents: space a delete frees, XFS frees in the background)
  fs.rmSync(file)
  bob.ok(['-C', path.join(bob.work, 'data'), 'restore', 'data.bin'])
  const again = allShared(file)
  t.true(again.extents > 0 && again.shared === again.extents)
  fs.appendFileSync(file, 'more')
  bob.ok(['-C', path.join(bob.work, 'data'), 'verify'])
})

serial('ACACHE_REFLINK=0: the same steps write every byte (the control)', t => {
  const carol = new User('carol', fs.mkdtempSync(path.join(mnt, 'carol-'))).setup()
  carol.write('model.bin', data('control', SIZE))
  const before = used()
  carol.ok(['commit', '-m', 'copy'], { env: { ACACHE_REFLINK: '0' } })
  const grew = used() - before
  t.log(`commit with ACACHE_REFLINK=0: the file system grew by ${(grew / MiB).toFixed(1)} MiB`)
  t.true(grew >= SIZE, 'without sharing, the store holds a second copy')
  t.is(allShared(carol.path('model.bin')).shared, 0)
  fs.rmSync(carol.path('model.bin'))
  carol.ok(['restore', 'model.bin'], { env: { ACACHE_REFLINK: '0' } })
  t.is(allShared(carol.path('model.bin')).shared, 0)
  // and the same restore with sharing on shares
  fs.rmSync(carol.path('model.bin'))
  carol.ok(['restore', 'model.bin'])
  t.true(allShared(carol.path('model.bin')).shared > 0)
})

