import test from 'ava'
import fs from 'node:fs'
import { preloadedIndex, preloadStats, takePreloaded } from '../../src/worktree/status/preload.js'
import { fileId } from '../../src/worktree/status/index-file.js'
import { User } from '../helpers.js'
import { setKnobs } from '../../src/util/knobs.js'

// The lstat helper reads the index once for the command (preload.ts): the
// command takes its bytes instead of reading the file again, but only while
// the file is the one the helper read.

/** A repository whose index is large enough for the helper (over 400 KB: 5,000 files). */
function large (): { a: User, index: string } {
  const a = new User('alice').setup()
  for (let d = 0; d < 50; d++) for (let f = 0; f < 100; f++) a.write(`d${d}/f${f}`, `${d} ${f}\n`)
  a.ok(['commit', '-q', '-m', 'base'])
  const index = a.path('.acache/index')
  return { a, index }
}

const tick = async (): Promise<void> => await new Promise(resolve => setTimeout(resolve, 20))

/** Waits until the helper has read the index (its message is there), however busy the machine; gives up after 3,000 looks. */
async function helperRead (index: string): Promise<void> {
  for (let i = 0; i < 3000 && preloadedIndex(index) === undefined; i++) await tick()
}

test.serial('the command reads the index from the helper\'s copy, byte for byte, and takes its work', async t => {
  const { a, index } = large()
  preloadStats(['status'], a.work)
  await helperRead(index) // (a command waits only 500 ms for the helper; the test waits for it to be done)
  const got = preloadedIndex(index)
  if (got === undefined) return t.fail('no preloaded index')
  t.true(got.buf.equals(fs.readFileSync(index)))
  t.is(got.id, fileId(fs.statSync(index)))
  t.true(got.buf.buffer instanceof SharedArrayBuffer, 'shared with the helper, not copied')
  const work = takePreloaded(got.id, a.work, 5000)
  t.truthy(work)
  void work?.worker.terminate()
})

test.serial('an index replaced after the helper read it is read again from the file, and the helper\'s work is not taken', async t => {
  const { a, index } = large()
  preloadStats(['status'], a.work)
  await helperRead(index)
  t.not(preloadedIndex(index), undefined, 'the helper read the index')
  // the same bytes in a new file, as every index write makes (write, then rename)
  fs.copyFileSync(index, index + '.new')
  fs.renameSync(index + '.new', index)
  t.is(preloadedIndex(index), undefined)
  t.is(takePreloaded(fileId(fs.statSync(index)), a.work, 5000), undefined)
})

test.serial('no helper for other commands, small indexes, or ACACHE_THREADS=0', t => {
  const { a, index } = large()
  preloadStats(['log'], a.work)
  t.is(preloadedIndex(index), undefined)
  setKnobs({ ACACHE_THREADS: '0' })
  try {
    preloadStats(['status'], a.work)
    t.is(preloadedIndex(index), undefined)
  } finally {
    setKnobs(undefined)
  }
})
