import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { User, ROOT, tmpdir } from '../helpers.js'

test('every command has a man page that renders', t => {
  const help = new User('doc').run(['--help']).stdout
  const commands = [...help.matchAll(/^ {2}acache (\S+)/gm)].map(m => m[1])
  t.true(commands.length >= 15)
  const hasMan = spawnSync('sh', ['-c', 'command -v man']).status === 0
  for (const c of commands) {
    const page = path.join(ROOT, 'man', `acache-${c}.1`)
    t.true(fs.existsSync(page), `man/acache-${c}.1 is missing`)
    if (hasMan) {
      const r = spawnSync('man', ['-l', page], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat' } })
      t.is(r.status, 0)
      t.regex(r.stdout, /NAME/)
    }
  }
})

test('every command explains itself with --help', t => {
  const u = new User('doc')
  const help = u.run(['--help']).stdout
  for (const [, c] of help.matchAll(/^ {2}acache (\S+)/gm)) {
    const r = u.run([c, '--help'])
    t.is(r.code, 0, c)
    t.regex(r.stdout, new RegExp(`acache ${c}`))
  }
})

test('the CI recipe of the verify action: a bundle checked by key, then verify --json', t => {
  const publisher = new User('publisher').setup()
  publisher.write('datasets/d/part-0.csv', 'a,b\n1,2\n')
  publisher.ok(['commit', '-m', 'v1'])
  const bundle = path.join(tmpdir(), 'dataset.car')
  publisher.ok(['bundle', 'create', bundle])
  const key = publisher.ok(['id', 'show', '--json']).json.key
  const ci = new User('ci')
  const repo = path.join(ci.work, 'dataset')
  ci.ok(['init', repo])
  ci.ok(['-C', repo, 'remote', 'add', 'upstream', '/nonexistent', '--key', key])
  ci.ok(['-C', repo, 'bundle', 'import', bundle])
  const v = ci.run(['-C', repo, 'verify', '--json'])
  t.is(v.code, 0)
  t.true(v.json.ok)
  t.true(v.json.commits >= 1)
  t.deepEqual(v.json.failures, [])
  // the action file names the same commands
  const action = fs.readFileSync(path.join(ROOT, '.github', 'actions', 'acache-verify', 'action.yml'), 'utf8')
  t.regex(action, /bundle import/)
  t.regex(action, /verify --json/)
})

test('--version is the version in package.json; `acache help` is the list of commands', t => {
  const u = new User('doc')
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  t.is(u.run(['--version']).stdout.trim(), pkg.version)
  const help = u.run(['help'])
  t.is(help.code, 0)
  t.is(help.stdout, u.run(['--help']).stdout)
})

test('after npm install -g of the package, man acache, man acache-commit and man 5 acacheignore find their pages (package.json names every page)', t => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  t.deepEqual([...pkg.man].sort(), fs.readdirSync(path.join(ROOT, 'man')).map(f => `./man/${f}`).sort(), 'every page in man/ is in package.json\'s man field')
  for (const page of ['acache.1', 'acacheignore.5', 'acacheowners.5', 'acache-hooks.5']) t.true(fs.existsSync(path.join(ROOT, 'man', page)), page)
  const dir = tmpdir('acache-global-')
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], { cwd: ROOT, encoding: 'utf8' })
  t.is(pack.status, 0, pack.stderr)
  const tarball = path.join(dir, pack.stdout.trim().split('\n').pop()!)
  const prefix = path.join(dir, 'prefix')
  // the dependencies come from npm's cache where it has them (npm install put them there)
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { encoding: 'utf8' })
  t.is(install.status, 0, install.stderr)
  const man = path.join(prefix, 'share', 'man')
  for (const [section, page] of [['1', 'acache'], ['1', 'acache-commit'], ['5', 'acacheignore'], ['5', 'acache-hooks']]) {
    t.true(fs.existsSync(path.join(man, `man${section}`, `${page}.${section}`)), `${page}(${section}) is linked into ${man}`)
    if (spawnSync('sh', ['-c', 'command -v man']).status === 0) {
      const r = spawnSync('man', ['-w', section, page], { encoding: 'utf8', env: { ...process.env, MANPATH: man } })
      t.is(r.status, 0, `man -w ${section} ${page}: ${r.stderr}`)
    }
  }
  t.is(spawnSync(path.join(prefix, 'bin', 'acache'), ['--version'], { encoding: 'utf8' }).stdout.trim(), pkg.version)
})
