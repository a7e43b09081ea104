/**
 * What to type in acache for a git command or option it does not have: a
 * git user's hands know `git add` and `commit -a`; the answer says what
 * acache does instead, never a nearby spelling (`add` is not `id`).
 */
const COMMANDS: Record<string, string> = {
  add: 'acache has no staging area: `acache commit` records every change, `acache commit -- PATH` only those paths',
  stage: 'acache has no staging area: `acache commit` records every change, `acache commit -- PATH` only those paths',
  checkout: '`acache switch BRANCH` moves to a branch (`-c NEW` makes one); `acache restore -- PATH` discards changes to a path',
  rm: 'delete the file (`rm PATH`) and `acache commit`: every change in the working root is recorded, there is no index to remove it from',
  mv: 'move it (`mv OLD NEW`) and `acache commit`: a rename is recorded as a deletion and an addition',
  rebase: 'acache has no rebase: its commits are signed by their authors. Bring work together with `acache merge`, or replay one commit with `acache cherry-pick REV`',
  blame: 'acache has no blame yet: `acache log -p -- PATH` shows every change to a file, newest first',
  grep: 'search the working root with grep -r, an older version with `acache show REV:PATH | grep PATTERN`',
  config: "acache's settings live in .acache/config (remotes: `acache remote`; your name and key: `acache id`) and, shared with everyone, .acacheattributes",
  'ls-files': '`acache show HEAD:` lists the top of the tree, `acache show HEAD:DIR` a folder; `acache status -uall` the new files',
  'format-patch': '`acache show REV > change.patch` prints a patch git apply takes',
  am: 'apply a patch with `git apply` or `patch -p1`, then `acache commit`',
  'update-index': 'acache keeps no staging area: `acache status` always compares the working root with HEAD'
}

/** command -> option (as yargs names it) -> what to type instead */
const OPTIONS: Record<string, Record<string, string>> = {
  commit: {
    a: 'acache has no staging area: `acache commit` already records every change (no -a needed)',
    all: 'acache has no staging area: `acache commit` already records every change (no --all needed)',
    p: 'acache commits whole files: `acache commit -- PATH` records only the paths named',
    patch: 'acache commits whole files: `acache commit -- PATH` records only the paths named'
  },
  diff: {
    cached: 'acache has no staging area: `acache diff` shows every change since HEAD',
    staged: 'acache has no staging area: `acache diff` shows every change since HEAD'
  },
  restore: {
    staged: 'nothing is staged in acache: `acache restore -- PATH` puts the file back as HEAD has it (discarding the change)',
    S: 'nothing is staged in acache: `acache restore -- PATH` puts the file back as HEAD has it (discarding the change)',
    W: '`acache restore -- PATH` is what it does already'
  },
  status: {
    'ignored': 'acache does not list ignored files; `acache status -uall` lists every new file'
  }
}

/** The hint for a git command acache does not have, if it is one git users type. */
export function gitCommandHint (command: string): string | undefined {
  return COMMANDS[command]
}

/** The hint for options of `command` yargs did not know, if one is git's. */
export function gitOptionHint (command: string | undefined, unknown: string[]): string | undefined {
  if (command === undefined) return undefined
  for (const u of unknown) {
    const hint = OPTIONS[command]?.[u.replace(/^-+/, '')]
    if (hint !== undefined) return hint
  }
  return undefined
}
