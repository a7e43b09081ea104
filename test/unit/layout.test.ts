import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { findRepository, REPO_DIR, RepoLayout } from '../../src/repo/layout.js'
import { Repo } from '../../src/repo/repo.js'
import { ROOT, tmpdir } from '../helpers.js'

// what RepoLayout names, as a path part in quotes (the store's own files, under blocks/, are the store's)
const NAMES = ['config', 'HEAD', 'refs', 'logs', 'blocks', 'kubo-pins', 'index', 'published', 'remote-state', 'staging', 'complete', 'roots', 'partial', 'MERGE_STATE', 'stash', 'COMMIT_EDITMSG', 'hooks', 'tmp', 'lock']

test('only RepoLayout names what is in .acache: no other module joins those names onto a directory', t => {
  const src = path.join(ROOT, 'src')
  const pattern = new RegExp(`path\\.(join|resolve)\\([^)]*'(${NAMES.join('|')})'`)
  const offenders: string[] = []
  for (const f of fs.readdirSync(src, { recursive: true }).map(String)) {
    if (!f.endsWith('.ts') || f === path.join('repo', 'layout.ts') || f.startsWith('store' + path.sep)) continue
    const text = fs.readFileSync(path.join(src, f), 'utf8')
    text.split('\n').forEach((line, i) => { if (pattern.test(line)) offenders.push(`src/${f}:${i + 1}: ${line.trim()}`) })
  }
  t.deepEqual(offenders, [])
})

test('a repository made by init has what its layout names, and is found from below its working root', t => {
  const root = tmpdir()
  const repo = Repo.init(root)
  const l = repo.layout
  t.is(l.dir, path.join(root, REPO_DIR))
  for (const p of [l.config, l.head, l.blocks, l.ref('refs/heads'), l.ref('refs/remotes'), l.hook()]) t.true(fs.existsSync(p), p)
  t.is(fs.readFileSync(l.head, 'utf8'), 'ref: refs/heads/main\n')
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true })
  t.deepEqual(findRepository(path.join(root, 'a', 'b')), { root, dir: l.dir })
  t.true(RepoLayout.holdsConfig(l.dir))
  // a bare store is its own directory
  const bare = tmpdir()
  Repo.init(bare, { bare: true })
  t.deepEqual(findRepository(bare), { dir: bare })
  t.is(new RepoLayout(bare).published('k.head'), path.join(bare, 'published', 'k.head'))
})
