import { define } from '../command.js'

export default define({
  command: 'pin [name] [rev]',
  describe: 'Keep a revision from gc under a name (refs/pins/NAME); no NAME lists pins; --remove NAME drops one',
  builder: (y) => y
    .positional('name', { type: 'string' })
    .positional('rev', { type: 'string', describe: 'default HEAD' })
    .option('remove', { type: 'boolean', describe: 'remove the pin NAME' }),
  run: async (args, { out, repo }) => {
    const { checkBranchName } = await import('../../repo/repo.js')
    const { resolveRev, shortCid } = await import('../../repo/revs.js')
    const { AcacheError } = await import('../../errors.js')
    const r = await repo()
    if (args.name === undefined) {
      const pins = r.listRefs('refs/pins').map(([ref, cid]) => ({ name: ref.slice('refs/pins/'.length), commit: cid.toString() }))
      out.result({ pins })
      for (const p of pins) out.data(`${p.name} ${shortCid(p.commit)}`)
      return
    }
    checkBranchName(args.name)
    const release = r.lock()
    try {
      if (args.remove === true) {
        if (r.readRef(`refs/pins/${args.name}`) === undefined) throw new AcacheError('UNKNOWN_REVISION', `no pin named ${args.name}`)
        r.deleteRef(`refs/pins/${args.name}`)
        out.result({ removed: args.name })
        out.line(`Removed pin ${args.name}`)
        return
      }
      const cid = await resolveRev(r, args.rev ?? 'HEAD')
      await r.readCommit(cid)
      r.writeRef(`refs/pins/${args.name}`, cid)
      out.result({ pinned: args.name, commit: cid.toString() })
      out.line(`Pinned ${shortCid(cid)} as ${args.name}`)
    } finally {
      release()
    }
  }
})
