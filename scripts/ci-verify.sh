#!/usr/bin/env bash
# The acache verify action (action.yml at the repository's root), as a
# script: everything it does, so `npm test` runs it as CI would. Inputs come
# from the environment (INPUT_SOURCE, INPUT_KEY, INPUT_BRANCH, INPUT_HOOK),
# never from text pasted into a script; GitHub's GITHUB_ACTION_PATH,
# GITHUB_WORKSPACE, RUNNER_TEMP and GITHUB_OUTPUT as a runner sets them.
# Exit 0 when the dataset passes; otherwise 1, each failure as an ::error::
# line, and a crash is a failure with its message, never a pass.
set -uo pipefail
action="${GITHUB_ACTION_PATH:?set by the runner: the folder of the action}"
workspace="${GITHUB_WORKSPACE:-$PWD}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
source="${INPUT_SOURCE:?the source input is required}"
key="${INPUT_KEY:?the key input is required}"
branch="${INPUT_BRANCH:-main}"
hook="${INPUT_HOOK:-}"
fail () { echo "::error::acache verify: $*"; exit 1; }

# acache from the action's own folder (never the dataset's root), built once
if [ ! -f "$action/dist/bundle/main.cjs" ]; then
  (cd "$action" && npm ci --no-audit --no-fund --loglevel=error) || fail "could not install acache from $action"
fi
acache () { node "$action/bin/acache.js" "$@"; }
export ACACHE_HOME="$temp/acache-home"
repo="$temp/acache-dataset"
rm -rf "$repo" && mkdir -p "$repo"
acache init -q "$repo" || fail "could not make a repository in $repo"
# a throw-away key: the check commits nothing anyone sees, but a commit is how hooks run
acache id new --name "acache CI check" > /dev/null || fail "could not make a key in $ACACHE_HOME"

# fetch the history: a bundle in the checkout, or a URL or directory a friend publishes at
case "$source" in
  http://*|https://*|/*) where="$source" ;;
  *) where="$workspace/$source" ;;
esac
if [ -f "$where" ]; then
  acache -C "$repo" remote add upstream "$where" --key "$key" > /dev/null || fail "bad key or source"
  acache -C "$repo" bundle import "$where" upstream || fail "the bundle $source was refused (see above)"
else
  acache -C "$repo" remote add upstream "$where" --key "$key" > /dev/null || fail "bad key or source"
  acache -C "$repo" fetch upstream || fail "fetching from $source failed (see above)"
fi

# verify: the report is written even when acache crashes; a report that is not one is a failure
report="$temp/acache-verify.json"
[ -n "${GITHUB_OUTPUT:-}" ] && echo "report=$report" >> "$GITHUB_OUTPUT"
acache -C "$repo" verify --json > "$report"
code=$?
node -e '
  const fs = require("fs")
  let r
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")) } catch (e) { console.log(`::error::acache verify crashed before writing its report (exit ${process.argv[2]})`); process.exit(1) }
  console.log(`acache verify: ${r.ok ? "ok" : "FAILED"}: ${r.commits ?? 0} commits, ${r.blocks ?? 0} blocks`)
  for (const f of r.failures ?? []) console.log(`::error::${f.code}: ${f.problem}`)
  if (r.error) console.log(`::error::${r.error.code}: ${r.error.message}`)
  process.exit(r.ok === true && process.argv[2] === "0" ? 0 : 1)
' "$report" "$code" || exit 1

# the branch's files laid out in a repository with no commit of its own: every file is new,
# so a pre-commit hook (which checks what a commit would record) checks them all
acache -C "$repo" restore -q --source "upstream/$branch" -- . || fail "upstream/$branch could not be laid out"
if [ -n "$hook" ]; then
  case "$hook" in /*) h="$hook" ;; *) if [ -f "$workspace/$hook" ]; then h="$workspace/$hook"; else h="$action/$hook"; fi ;; esac
  [ -f "$h" ] || fail "no hook at $hook"
  mkdir -p "$repo/.acache/hooks"
  cp "$h" "$repo/.acache/hooks/pre-commit" && chmod +x "$repo/.acache/hooks/pre-commit"
  # a commit runs the hook as acache runs it (\$ACACHE, ACACHE_WORK_TREE); nothing is recorded anywhere that matters
  out=$(acache -C "$repo" commit -q -m "CI check" 2>&1)
  status=$?
  echo "$out"
  if [ $status -ne 0 ]; then
    printf '%s\n' "$out" | grep -v '^\s*$' | sed 's/^/::error::/' | head -20
    exit 1
  fi
  echo "hook $hook: ok"
fi
exit 0
