import type { CommandEntry } from '../command.js'

/**
 * Every command, in the order --help lists them: how it is called and what
 * it does. Its options and what it runs are in its own module, loaded only
 * when that command runs (or its --help is asked for).
 */
export const commands: CommandEntry[] = [
  { command: 'init [dir]', describe: 'Make a new repository (working root + embedded store, branch main)', load: async () => (await import('./init.js')).default },
  { command: 'clone <source> [dir]', describe: 'A friend\'s history in a new repository: from their `id export` line, a URL with --key, or a bundle file with --key', load: async () => (await import('./clone.js')).default },
  { command: 'id <action>', describe: 'Your identity: make a key (new), print it (show), print it as a message for friends (export)', load: async () => (await import('./id.js')).default },
  { command: 'status [paths..]', describe: 'Show what changed in the working root since HEAD', load: async () => (await import('./status.js')).default },
  { command: 'commit [paths..]', describe: 'Record the working root (or just PATHs) as a signed commit', load: async () => (await import('./commit.js')).default },
  { command: 'log [revs..]', describe: 'Show history, each commit with its signature status and the branches and tags at it', load: async () => (await import('./log.js')).default },
  { command: 'show [spec]', describe: 'Show a commit and what it changed (REV), or what a path holds (REV:PATH)', load: async () => (await import('./show.js')).default },
  { command: 'diff [revs..]', describe: 'Show changes: HEAD vs the working root, REV vs the working root, or REV vs REV', load: async () => (await import('./diff.js')).default },
  { command: 'branch [name] [start]', describe: 'List branches, make one (NAME [START]), delete one (-d NAME; -D if unmerged), rename one (-m [OLD] NEW)', load: async () => (await import('./branch.js')).default },
  { command: 'tag [name] [rev]', describe: 'List tags, make one (NAME [REV]: a name for a commit that does not move, published with your head), or delete one (-d NAME)', load: async () => (await import('./tag.js')).default },
  { command: 'switch [rev]', describe: 'Move the working root to a branch or commit (carrying local changes it does not touch)', load: async () => (await import('./switch.js')).default },
  { command: 'restore [paths..]', describe: 'Put paths of the working root back as HEAD (or --source REV) has them, discarding local changes to them', load: async () => (await import('./restore.js')).default },
  { command: 'stash [action] [which]', describe: 'Put local changes aside (push, the default) and bring them back (pop, apply); list, drop', load: async () => (await import('./stash.js')).default },
  { command: 'reset [rev]', describe: 'Move the current branch to REV (default HEAD); --hard also makes the working root match it', load: async () => (await import('./reset.js')).default },
  { command: 'revert [rev]', describe: 'Record a new commit that takes back the change REV made', load: async () => (await import('./revert.js')).default },
  { command: 'cherry-pick [rev]', describe: 'Apply the change REV made on top of HEAD, as a new commit', load: async () => (await import('./cherry-pick.js')).default },
  { command: 'reflog [ref]', describe: 'Show where HEAD (or a branch, even a deleted one) has been: what reset, amend or a deleted branch left behind', load: async () => (await import('./reflog.js')).default },
  { command: 'merge [rev]', describe: 'Merge another branch or commit into the working root (three-way; conflicts stay for you to resolve)', load: async () => (await import('./merge.js')).default },
  { command: 'remote [action] [name] [target]', describe: 'Friends\' nodes: add NAME URL --key DID | add NAME MESSAGE, list (-v), remove NAME, rename OLD NEW, set-url NAME URL', load: async () => (await import('./remote.js')).default },
  { command: 'fetch [remote]', describe: 'Get a friend\'s signed head and every block it reaches, all verified; update refs/remotes/NAME/*', load: async () => (await import('./fetch.js')).default },
  { command: 'push [remote]', describe: 'Publish your branches: send the blocks a remote lacks, then a new signed head (no REMOTE: publish here)', load: async () => (await import('./push.js')).default },
  { command: 'pull [remote] [branch]', describe: 'Fetch a remote and merge its branch (default: the one named like yours) into the working root', load: async () => (await import('./pull.js')).default },
  { command: 'replica [action] [name] [url]', describe: 'Copies on pinning services and Kubo nodes: add NAME URL [--token-env VAR], list (-v), status [NAME...], remove NAME [--unpin], origins [ADDR...]', load: async () => (await import('./replica.js')).default },
  { command: 'replicate [names..]', describe: 'Ask each replica (or those named) to hold every branch head: one pin per branch, moved when the head moves', load: async () => (await import('./replicate.js')).default },
  { command: 'bundle <action> <file> [branches..]', describe: 'Work on a USB stick or by e-mail: create FILE [BRANCH...] (a CAR of a signed head and its blocks), import FILE', load: async () => (await import('./bundle.js')).default },
  { command: 'import <format> [source]', describe: 'Bring history in from git: every commit of its branches (and tags) as a signed acache commit with the same tree and parents', load: async () => (await import('./import.js')).default },
  { command: 'export <format> <dir>', describe: 'Write history out as a git repository: branches and tags with the same trees; commits that came from git get their very IDs back', load: async () => (await import('./export.js')).default },
  { command: 'owners [path]', describe: 'Print the ownership rules in force (.acacheowners of HEAD), or who may change PATH', load: async () => (await import('./owners.js')).default },
  { command: 'serve', describe: 'Serve this repository over HTTP: trustless-gateway reads, signed pushes from trusted keys', load: async () => (await import('./serve.js')).default },
  { command: 'mount <mountpoint>', describe: 'Mount a commit read-only (--rev REV, the default HEAD) or the working root read-write (--work)', load: async () => (await import('./mount.js')).default },
  { command: 'umount <mountpoint>', describe: 'Unmount what acache mount mounted (also clears a stale mount left by a crash)', load: async () => (await import('./umount.js')).default },
  { command: 'gc', describe: 'Drop blocks that no branch, remote branch, pin, HEAD or merge under way reaches', load: async () => (await import('./gc.js')).default },
  { command: 'size [rev]', describe: 'Logical bytes of a commit\'s files against the bytes of the unique blocks that hold them', load: async () => (await import('./size.js')).default },
  { command: 'pin [name] [rev]', describe: 'Keep a revision from gc under a name (refs/pins/NAME); no NAME lists pins; --remove NAME drops one', load: async () => (await import('./pin.js')).default },
  { command: 'verify', describe: 'Check everything: blocks against their CIDs, signatures, tree entries (exit 1 on any failure); --repair fetches lost blocks again', load: async () => (await import('./verify.js')).default },
  { command: 'help [command]', describe: 'The manual page of a command (as git help COMMAND); without one, the list of commands', load: async () => (await import('./help.js')).default }
]
