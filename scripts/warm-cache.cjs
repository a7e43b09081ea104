// Makes dist/bundle/main.cjs.<V8 version>.cache (the name bin/acache.js looks for): compiles the bundle as bin/acache.js does,
// runs an everyday session with it (in a throw-away directory and
// ACACHE_HOME), then saves V8's code cache, which then holds every function
// those commands compiled.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const file = path.resolve(__dirname, '..', 'dist', 'bundle', 'main.cjs')
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'latin1')), { filename: file })
const mod = { exports: {} }
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file))

async function session () {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acache-warm-'))
  const work = path.join(tmp, 'work')
  fs.mkdirSync(work)
  process.env.ACACHE_HOME = path.join(tmp, 'home')
  const out = process.stdout.write.bind(process.stdout)
  process.stdout.write = () => true // the session's output is not wanted
  try {
    const run = (...args) => mod.exports.main(['-C', work, ...args])
    await run('init', '-q')
    await run('id', 'new', '--name', 'warm')
    fs.writeFileSync(path.join(work, 'a.txt'), 'one\n')
    await run('commit', '-q', '-m', 'one')
    fs.writeFileSync(path.join(work, 'a.txt'), 'two\n')
    for (const args of [['status'], ['diff'], ['commit', '-q', '-m', 'two'], ['log'], ['show', 'HEAD'], ['branch', 'b'], ['switch', '-q', 'b'], ['verify']]) await run(...args)
  } finally {
    process.stdout.write = out
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

session().then(() => {
  process.exitCode = 0
  fs.writeFileSync(`${file}.${process.versions.v8}.cache`, script.createCachedData())
}, (err) => {
  console.error(`warm-cache: ${err?.stack ?? err}`)
  process.exitCode = 1
})
