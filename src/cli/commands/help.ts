import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { define } from '../command.js'
import { packageDir } from '../../util/package.js'
import { AcacheError } from '../../errors.js'

/** The man pages shipped beside bin/ (in a checkout and in the npm package alike). */
const manDir = (): string => path.join(packageDir(), 'man')

export default define({
  builder: (y) => y.positional('command', { type: 'string', describe: 'a command, e.g. commit' }),
  run: async (args, { out, usage }) => {
    if (args.command === undefined) {
      usage()
      return
    }
    const page = path.join(manDir(), `acache-${String(args.command)}.1`)
    if (!fs.existsSync(page)) throw new AcacheError('USAGE', `'${String(args.command)}' is not an acache command`, { hint: '`acache help` lists them' })
    out.result({ command: args.command, page })
    if (out.json) return
    // on a terminal, man with its pager; elsewhere the page as text
    const tty = process.stdout.isTTY === true
    const r = spawnSync('man', ['-l', page], { stdio: tty ? 'inherit' : ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...(tty ? {} : { MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' }) } })
    if (r.error !== undefined || r.status !== 0) {
      // no man here: the page's source is still readable
      out.raw(fs.readFileSync(page, 'utf8'))
      return
    }
    if (!tty) out.raw(r.stdout)
  }
})
