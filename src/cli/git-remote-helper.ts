import { flattenCidText } from '../util/cid-text.js'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { spawnSync } from 'node:child_process'
import { defaultCtx, Progress } from '../context.js'
import { asAcacheError } from '../errors.js'
import { knob } from '../util/knobs.js'

/**
 * git-remote-acache: git's remote-helper protocol (gitremote-helpers(7)) on
 * stdin and stdout, with the `fetch`, `push` and `option` capabilities.
 * `list` fetches and writes the commits into git at once (so `fetch` has
 * nothing left to do); `push` imports and publishes. Only the protocol goes
 * to stdout; what acache has to say goes to stderr.
 */
export async function remoteHelper (argv: string[]): Promise<number> {
  flattenCidText()
  const [, where] = argv
  if (where === undefined) {
    process.stderr.write('usage: git-remote-acache REMOTE URL (git runs it for acache::URL remotes)\n')
    return 2
  }
  // outside a repository (git ls-remote) there is no GIT_DIR: the commits are written into a scratch one, for their IDs
  let gitDir = process.env.GIT_DIR
  let scratch: string | undefined
  if (gitDir === undefined) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'acache-ls-remote-'))
    spawnSync('git', ['init', '-q', '--bare', scratch])
    gitDir = scratch
  }
  try {
    return await serve(where, path.resolve(gitDir))
  } finally {
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true })
  }
}

async function serve (where: string, gitDir: string): Promise<number> {
  let verbosity = 1
  const progress: Progress = {
    start (label: string) { if (verbosity > 1) process.stderr.write(`acache: ${label}\n`) },
    tick () {},
    done () {}
  }
  const ctx = defaultCtx({ progress })
  const { GitRemote } = await import('../compose/git-remote.js')
  let remote: InstanceType<typeof GitRemote> | undefined
  const open = (): InstanceType<typeof GitRemote> => { remote ??= new GitRemote(ctx, gitDir, where); return remote }
  const send = (text: string): void => { process.stdout.write(text) }
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]()
  const next = async (): Promise<string | undefined> => { const r = await lines.next(); return r.done === true ? undefined : r.value }
  try {
    for (;;) {
      const line = await next()
      if (line === undefined || line === '') return 0
      if (line === 'capabilities') {
        send('fetch\npush\noption\n\n')
      } else if (line.startsWith('option ')) {
        const [, name, value] = line.split(' ')
        if (name === 'verbosity') { verbosity = Number(value); send('ok\n') } else send('unsupported\n')
      } else if (line === 'list' || line === 'list for-push') {
        const { refs, head } = await open().list(line === 'list for-push')
        for (const r of refs) send(`${r.id} ${r.name}\n`)
        if (head !== undefined && line === 'list') send(`@${head} HEAD\n`)
        send('\n')
      } else if (line.startsWith('fetch ')) {
        // list wrote every object already: read the batch to its end
        for (let l: string | undefined = line; l !== undefined && l !== ''; l = await next()) {}
        send('\n')
      } else if (line.startsWith('push ')) {
        const specs = []
        for (let l: string | undefined = line; l !== undefined && l !== ''; l = await next()) {
          const m = /^push (\+?)([^:]*):(.+)$/.exec(l)
          if (m !== null) specs.push({ force: m[1] === '+', src: m[2], dst: m[3] })
        }
        for (const o of await open().push(specs)) send(o.error === undefined ? `ok ${o.dst}\n` : `error ${o.dst} ${o.error.replace(/\n/g, ' ')}\n`)
        send('\n')
      } else {
        process.stderr.write(`git-remote-acache: unknown command ${JSON.stringify(line)}\n`)
        return 2
      }
    }
  } catch (err) {
    const e = asAcacheError(err)
    process.stderr.write(`fatal: acache: ${e.message}\n${e.hint !== undefined ? `hint: ${e.hint}\n` : ''}`)
    if (e.code === 'BUG' && knob('ACACHE_TRACE') !== undefined) process.stderr.write(String((err as Error).stack) + '\n')
    return e.exitCode
  }
}
