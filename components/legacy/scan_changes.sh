#!/bin/sh
# scan_changes.sh -- the change scan of the old homes, run on the OLD side
# next to the data by the export's rsync daemon (the `changes` module's
# `pre-xfer exec`), so the new side's final pass copies what changed without
# walking the share across the network.  An rsync daemon sends no ctime;
# this scan reads it where the share is mounted.
#
#   sh scan_changes.sh SHARE [PARALLEL]   (environment from the rsync daemon;
#                                          PARALLEL homes scanned at a time, 8)
#
# The client asks for rsync://HOST/changes/TOKEN/[PATH/], where PATH is the
# directory of the homes inside SHARE and TOKEN is one of
#   tops.NONCE     the used bytes of SHARE and one record per home;
#   SINCE.NONCE    the same, plus a record for every entry under SHARE/PATH
#                  whose ctime is at SINCE (epoch seconds) or later, and for
#                  every regular file with more than one link;
# NONCE being 8 to 64 letters or digits, fresh for each request.  This script
# writes CHANGES/TOKEN/PATH/meta and .../list, which the daemon then sends.
#   meta   "now EPOCH" (this side's clock when the scan began), "used BYTES"
#          (df of SHARE), "since SINCE|tops", "nonce NONCE", "status ok".
#   list   one record per line, "MARK CTIME NLINK INODE MODE PATH": MARK is
#          NONCE, MODE the raw st_mode in hex, PATH relative ("./alice/x").
#          A name holding a newline continues on lines without the MARK.
# Only reads SHARE (find and stat); writes only below the module's path (an
# emptyDir).  POSIX sh + find -exec {} + + stat -c + xargs -0 (-P when it
# has it): GNU or busybox alike.

set -u
LC_ALL=C
export LC_ALL
share=${1:?usage: scan_changes.sh SHARE [PARALLEL]}
parallel=${2:-8}
fail() { printf 'homesync-scan: %s\n' "$*"; exit 1; } # stdout: rsync shows it to the client

out=${RSYNC_MODULE_PATH:?not run by an rsync daemon}
req=${RSYNC_REQUEST:-}
req=${req%% *}              # one path per request
req=${req#"${RSYNC_MODULE_NAME:-changes}"/}
token=${req%%/*}
path=${req#"$token"}
path=${path#/}
path=${path%/}
case $token in
*.*) ;;
*) fail "bad request '$req': the token must be tops.NONCE or SINCE.NONCE" ;;
esac
since=${token%%.*}
nonce=${token#*.}
case $nonce in
'' | *[!A-Za-z0-9]*) fail "bad request '$req': the token must be tops.NONCE or SINCE.NONCE" ;;
esac
[ "${#nonce}" -ge 8 ] && [ "${#nonce}" -le 64 ] || fail "bad request '$req': NONCE must have 8 to 64 characters"
case $since in
tops) ;;
'' | *[!0-9]*) fail "bad request '$req': SINCE must be epoch seconds" ;;
esac
case /$path/ in
*[!A-Za-z0-9._/-]* | */../* | */./*) fail "bad path '$path' in request" ;;
esac
root=$share${path:+/$path}
[ -d "$root" ] || fail "no directory '$path' in the share"

# scans older than a day were left by clients that are long gone
find "$out" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null
dir=$out/$token${path:+/$path}
mkdir -p -- "$dir" || fail "cannot write the scan"
started=$(date +%s)
used=$(df -P -k -- "$share" | awk 'NR == 2 { printf "%.0f", $3 * 1024 }')
parts=$dir/parts
mkdir -p -- "$parts" || fail "cannot write the scan"
# Next to the data: the top level, then the homes, 16 to a find and PARALLEL
# finds at a time (each waits on its own round trips to the file server).
# find prints a directory before what it holds.
(cd "$root" && find . -maxdepth 1 -exec stat -c "$nonce %Z %h %i %f %n" {} + >"$parts/top") ||
    fail "scan of '$path' failed"
if [ "$since" != tops ]; then
    # find tests each entry's ctime itself, so stat runs only on the entries
    # that may have changed (whole minutes, two to spare: a superset that the
    # exact filter below narrows) and on the hard-linked files.
    mins=$(((started - since) / 60 + 2))
    [ "$mins" -ge 2 ] || mins=2
    xp="-P $parallel"
    printf 'x\0' | xargs -0 -P 2 -n 1 true >/dev/null 2>&1 || xp=
    # shellcheck disable=SC2016,SC2086
    (cd "$root" && find . -mindepth 1 -maxdepth 1 -type d -print0 | xargs -0 -n 16 $xp sh -c '
        p=$1 m=$2; shift 2
        f=$(mktemp "$p/h.XXXXXXXX") && find "$@" -mindepth 1 \( -cmin "-$m" -o -type f -links +1 \) \
            -exec stat -c "$0 %Z %h %i %f %n" {} + >"$f" || : >"$p/failed"' "$nonce" "$parts" "$mins")
    [ ! -e "$parts/failed" ] || fail "scan of '$path' failed"
fi
for f in "$parts/top" "$parts"/h.*; do
    [ ! -e "$f" ] || cat -- "$f"
done | awk -v mark="$nonce" -v since="$since" '
    index($0, mark " ") == 1 {
        name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", name)
        reg = (substr($5, 1, 1) == "8" && length($5) == 4) # S_IFREG, 0x8000
        keep = (name == "." || name !~ /^\.\/.*\//) || since == "tops" ||
            $2 >= since + 0 || (reg && $3 > 1)
    }
    keep { print }' >"$dir/list.tmp" || fail "cannot write the scan"
rm -rf -- "$parts"
mv -f -- "$dir/list.tmp" "$dir/list" &&
    printf 'now %s\nused %s\nsince %s\nnonce %s\nstatus ok\n' "$started" "$used" "$since" "$nonce" >"$dir/meta" ||
    fail "cannot write the scan"
