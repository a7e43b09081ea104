import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { User, ROOT, tmpdir, startServe } from '../helpers.js'

test.serial('every command has a man page that renders', t => {
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

test.serial('every command explains itself with --help', t => {
  const u = new User('doc')
  const help = u.run(['--help']).stdout
  for (const [, c] of help.matchAll(/^ {2}acache (\S+)/gm)) {
    const r = u.run([c, '--help'])
    t.is(r.code, 0, c)
    t.regex(r.stdout, new RegExp(`acache ${c}`))
  }
})

/** Runs the verify action's script (action.yml runs exactly this) as a runner would, from `workspace`, with these inputs. */
function runAction (workspace: string, inputs: Record<string, string>): { code: number, out: string, outputs: string } {
  const temp = tmpdir('acache-runner-')
  const outputs = path.join(temp, 'github-output')
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: temp, GITHUB_ACTION_PATH: ROOT, GITHUB_WORKSPACE: workspace, RUNNER_TEMP: temp, GITHUB_OUTPUT: outputs }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'ci-verify.sh')], { cwd: workspace, env, encoding: 'utf8' })
  return { code: r.status ?? -1, out: r.stdout + r.stderr, outputs: fs.existsSync(outputs) ? fs.readFileSync(outputs, 'utf8') : '' }
}

test.serial('the verify action, used from a second repository: fetches a dataset from a serve URL or a directory, verifies it, runs the CSV hook on every file; a bad row and a wrong key are failures, inputs are never script', async t => {
  const publisher = new User('publisher').setup()
  publisher.write('datasets/people/SCHEMA.csv', 'name,age\n')
  publisher.write('datasets/people/a.csv', 'name,age\nada,36\n')
  publisher.ok(['commit', '-q', '-m', 'v1'])
  publisher.ok(['push'])
  const key = publisher.ok(['id', 'show', '--json']).json.key
  // the dataset team's own repository, where their workflow runs the action
  const workspace = tmpdir('acache-dataset-repo-')
  fs.writeFileSync(path.join(workspace, 'README'), 'our dataset checks\n')
  const s = await startServe(publisher)
  try {
    const good = runAction(workspace, { source: s.url, key, hook: 'hooks/pre-commit-csv' })
    t.is(good.code, 0, good.out)
    t.regex(good.out, /acache verify: ok: 1 commits/)
    t.regex(good.out, /hook hooks\/pre-commit-csv: ok/)
    t.regex(good.outputs, /^report=.*acache-verify\.json$/m)
    const report = JSON.parse(fs.readFileSync(good.outputs.trim().slice('report='.length), 'utf8'))
    t.true(report.ok)
    // a row with a field too many, published: the hook fails the run and says where
    publisher.write('datasets/people/b.csv', 'name,age\nbob,3,extra\n')
    publisher.ok(['commit', '-q', '--no-verify', '-m', 'v2'])
    publisher.ok(['push'])
    const bad = runAction(workspace, { source: s.url, key, hook: 'hooks/pre-commit-csv' })
    t.is(bad.code, 1, bad.out)
    t.regex(bad.out, /::error::.*b\.csv does not fit/)
    // a directory remote, and the wrong key: refused, a failure
    const wrong = runAction(workspace, { source: publisher.work, key: new User('stranger').setup().ok(['id', 'show', '--json']).json.key })
    t.is(wrong.code, 1, wrong.out)
    t.regex(wrong.out, /::error::acache verify: fetching from/)
    // inputs are data, never script: a source with shell in it is only a path that is not there
    const injected = runAction(workspace, { source: '$(touch pwned); x', key })
    t.is(injected.code, 1)
    t.false(fs.existsSync(path.join(workspace, 'pwned')))
  } finally {
    await s.stop()
  }
  // action.yml runs exactly this script, with the inputs in the environment
  const action = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')
  t.regex(action, /run: bash "\$GITHUB_ACTION_PATH\/scripts\/ci-verify\.sh"/)
  t.notRegex(action.split('run:')[1], /\$\{\{/, 'no ${{ }} in the script itself')
  t.regex(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'verify-dataset.yml'), 'utf8'), /on: \[push, pull_request\]/)
})

test.serial('--version is the version in package.json; `acache help` is the list of commands', t => {
  const u = new User('doc')
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  t.is(u.run(['--version']).stdout.trim(), pkg.version)
  const help = u.run(['help'])
  t.is(help.code, 0)
  t.is(help.stdout, u.run(['--help']).stdout)
})

test.serial('after npm install -g of the package, man acache, man acache-commit and man 5 acacheignore find their pages (package.json names every page)', t => {
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
  // git finds the remote helper on PATH beside acache: git ls-remote acache::... runs it
  const store = path.join(dir, 'store')
  t.is(spawnSync(path.join(prefix, 'bin', 'acache'), ['init', '--bare', '-q', store]).status, 0)
  const lsRemote = spawnSync('git', ['ls-remote', `acache::did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK@${store}`], { encoding: 'utf8', env: { ...process.env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH ?? ''}`, ACACHE_HOME: path.join(dir, 'home') } })
  t.is(lsRemote.status, 0, `git ls-remote through the installed git-remote-acache: ${lsRemote.stderr}`)
  t.is(lsRemote.stdout, '', 'an empty store lists nothing')
})

test.serial('an option that needs a value and is given none is bad usage (exit 2, one line), never a bug', t => {
  const u = new User('doc').setup()
  for (const args of [['branch', '-D'], ['remote', 'add', 'x', '/tmp', '--key'], ['replica', 'add', 'x', 'https://pins.example/psa', '--token-env'], ['log', '-n']]) {
    const r = u.run(args)
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    t.notRegex(r.stderr, /This is a bug/)
    t.regex(r.stderr, /^error: /)
  }
})
