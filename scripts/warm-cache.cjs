// Makes the code caches bin/acache.js looks for (dist/bundle/main.cjs.<V8 version>[.<command>].cache):
// compiles the bundle as bin/acache.js does, runs commands with it (in a throw-away directory and
// ACACHE_HOME), then saves V8's code cache, which then holds every function they compiled.
//   node scripts/warm-cache.cjs            the cache of everyday use: a session of everyday commands
//   node scripts/warm-cache.cjs COMMAND    the cache of one command run all day (preload's OWN_CODE_CACHE):
//                                          the repository it runs in is made by another process, so that
//                                          the cache holds only what COMMAND compiles
//   node scripts/warm-cache.cjs --setup DIR HOME    (that other process)
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')
const { spawnSync } = require('node:child_process')

const file = path.resolve(__dirname, '..', 'dist', 'bundle', 'main.cjs')
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'latin1')), { filename: file })
const mod = { exports: {} }
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file))

/** What one command of each own-cache runs, in a repository of one commit and one changed file. */
const OWN = {
  status: [['status']],
  commit: [['commit', '-q', '-m', 'two']],
  diff: [['diff']],
  log: [['log']],
  show: [['show', 'HEAD']]
}

const [mode, ...rest] = process.argv.slice(2)

/** Runs acache's commands on `work`, with their output thrown away. */
async function run (work, commands) {
  const out = process.stdout.write.bind(process.stdout)
  process.stdout.write = () => true // the session's output is not wanted
  try {
    for (const args of commands) await mod.exports.main(['-C', work, ...args])
  } finally {
    process.stdout.write = out
  }
}

async function setup (work) {
  await run(work, [['init', '-q'], ['id', 'new', '--name', 'warm']])
  fs.writeFileSync(path.join(work, 'a.txt'), 'one\n')
  await run(work, [['commit', '-q', '-m', 'one']])
  fs.writeFileSync(path.join(work, 'a.txt'), 'two\n')
}

async function session () {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acache-warm-'))
  const work = path.join(tmp, 'work')
  fs.mkdirSync(work)
  process.env.ACACHE_HOME = path.join(tmp, 'home')
  try {
    if (mode === undefined) {
      await setup(work)
      await run(work, [['status'], ['diff'], ['commit', '-q', '-m', 'two'], ['log'], ['show', 'HEAD'], ['branch', 'b'], ['switch', '-q', 'b'], ['verify']])
      return true
    }
    const { OWN_CODE_CACHE } = require(path.join(path.dirname(file), 'preload.cjs'))
    if (!OWN_CODE_CACHE.includes(mode) || OWN[mode] === undefined) throw new Error(`no session for ${mode}: add one to OWN in scripts/warm-cache.cjs`)
    const made = spawnSync(process.execPath, [__filename, '--setup', work, process.env.ACACHE_HOME], { stdio: ['ignore', 'ignore', 'inherit'] })
    if (made.status !== 0) throw new Error(`the repository for ${mode} was not made`)
    await run(work, OWN[mode])
    return true
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

if (mode === '--setup') {
  process.env.ACACHE_HOME = rest[1]
  setup(rest[0]).then(() => { process.exitCode = 0 }, (err) => { console.error(`warm-cache: ${err?.stack ?? err}`); process.exitCode = 1 })
} else {
  session().then(() => {
    process.exitCode = 0
    fs.writeFileSync(`${file}.${process.versions.v8}${mode === undefined ? '' : '.' + mode}.cache`, script.createCachedData())
  }, (err) => {
    console.error(`warm-cache: ${err?.stack ?? err}`)
    process.exitCode = 1
  })
}
