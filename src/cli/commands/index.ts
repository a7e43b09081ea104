import type { CommandDef } from '../command.js'
import init from './init.js'
import id from './id.js'
import status from './status.js'
import commit from './commit.js'
import log from './log.js'
import show from './show.js'
import diff from './diff.js'
import branch from './branch.js'
import switchCmd from './switch.js'
import restore from './restore.js'
import verify from './verify.js'
import merge from './merge.js'

/** Every command, in the order --help lists them. */
export const commands: CommandDef[] = [init, id, status, commit, log, show, diff, branch, switchCmd, restore, merge, verify]
