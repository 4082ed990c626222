#!/bin/sh
# homesync.sh -- copy a JupyterHub home volume (one directory per user) to a
# new volume with rsync, per user directory in parallel.
#
#   homesync.sh --source DIR|rsync://HOST/MODULE[/PATH] --dest DIR
#               --mode bulk|final|verify [--parallel N] [--report FILE]
#               [--map FILE] [--expect FILE] [--no-ctime-scan]
#
# --map FILE    lines OLD<TAB>NEW: copy SOURCE/OLD into DEST/NEW (the new hub
#               names homes differently); source directories missing from the
#               map are reported ("unmapped") and not copied.  Required for an
#               rsync:// source.
# --expect FILE (verify) one DEST directory name per line: the homes the old
#               hub's users must find; a missing one fails verify.
#
# Modes (see docs/migration.md, "Copying home directories"):
#   bulk    copy while users still work on the old hub; repeatable and
#           resumable; never deletes anything that is only in DEST.
#   final   last pass in the maintenance window; like bulk, plus deletions
#           are propagated.  Incremental for every user whose DEST is known
#           to equal the source as of its stamp (homesync_lib.sh): only what
#           changed since is read, from one metadata scan next to the data:
#           `find -cnewer` for a local/NFS source, the old side's change
#           scan beside an rsync:// daemon (components/legacy/
#           scan_changes.sh).  Any user whose changes that cannot prove
#           (home replaced, pass interrupted, DEST never made exact, clock
#           skew beyond the margin, no scan) is walked in full; the report's
#           "walked_fully" says who and why.
#   verify  read-only comparison by CONTENT (checksum) and metadata (owner,
#           group, mode, times, symlinks, hard links, xattrs, ACLs); exits 1
#           if anything differs and lists the first differences.
#
# Before a copy, the old homes' used bytes must fit the new share with 10%
# headroom, else it stops (exit 2) having changed nothing.  A share that
# fills up during a copy is reported as such, in one line.
#
# Exit status: 0 ok; 1 verify found differences; 2 usage or precondition
# error; 3 rsync failed for the top level or for at least one user;
# 130/143 interrupted.
#
# Parts, sourced from this script's directory: homesync_lib.sh (shared
# helpers), homesync_changes.sh (what changed), homesync_worker.sh (one
# user), homesync_batch.sh (a daemon's proven homes, all in one batch),
# homesync_report.sh (summary and report).
#
# Portability: POSIX sh + rsync >= 3.1 + find/xargs with -print0/-0 (GNU
# findutils or busybox).  xargs -P is used when available; otherwise users
# run one at a time.  `find -cnewer` (local ctime scan) is GNU; without it
# the local scan is skipped with a warning.
#
# Never writes to SOURCE: rsync only reads it (--open-noatime when
# supported).  Scratch files live in DEST/.homesync-work (temp files,
# resumable partial files), removed at the end of every successful copy run.
# DEST/.homesync keeps the per-user stamps between passes; both sit at the
# share root, outside every user's directory.  Never writes outside DEST: a
# DEST/<home> that is a symlink is replaced, never followed.

set -u
LC_ALL=C
export LC_ALL
PROG=homesync
WORK_NAME=.homesync-work
STATE_NAME=.homesync
# Seconds taken off a pass's start time when it becomes a stamp: the source's
# ctimes come from its file server's clock, the stamp from this pod's.  Both
# are NTP-synchronised on GCP; 5 s is far above their skew.  A change scan
# whose clock differs from ours by more is not trusted.
SKEW=${HOMESYNC_CLOCK_SKEW:-5}
# An rsync:// source must answer within this many seconds (TCP connect and
# the daemon's greeting), so an unreachable one fails the Job in minutes.
CONTIMEOUT=${HOMESYNC_CONNECT_TIMEOUT:-30}
# Headroom the new share must have over the old homes' used bytes, percent.
HEADROOM=10

case $0 in
/*) HS_SELF=$0 ;;
*) HS_SELF=$(pwd -P)/$0 ;; # workers run classify from inside the source
esac
HS_PARTS=${HS_SELF%/*}
. "$HS_PARTS/homesync_lib.sh"
. "$HS_PARTS/homesync_changes.sh"
. "$HS_PARTS/homesync_source.sh"

usage() {
    cat >&2 <<'EOF'
usage: homesync.sh --source DIR|rsync://HOST/MODULE[/PATH] --dest DIR
                   --mode bulk|final|verify [--parallel N] [--report FILE]
                   [--map FILE] [--expect FILE] [--no-ctime-scan]
EOF
}

if [ "${1:-}" = __worker ]; then
    shift
    . "$HS_PARTS/homesync_worker.sh"
    worker "$@"
    exit $?
fi
if [ "${1:-}" = __classify ]; then
    shift
    classify "$@"
    exit $?
fi
. "$HS_PARTS/homesync_report.sh"
. "$HS_PARTS/homesync_batch.sh"

# ------------------------------------------------------------- arguments ---
SRC= DST= MODE= PAR=1 REPORT= CTIME=1 MAP= EXPECT=
while [ $# -gt 0 ]; do
    case $1 in
    --source | --dest | --mode | --parallel | --report | --map | --expect)
        [ $# -ge 2 ] || { usage; die "option $1 needs a value"; }
        opt=$1 val=$2
        shift 2
        ;;
    --source=* | --dest=* | --mode=* | --parallel=* | --report=* | --map=* | --expect=*)
        opt=${1%%=*} val=${1#*=}
        shift
        ;;
    --no-ctime-scan) CTIME=0; shift; continue ;;
    -h | --help) usage; exit 0 ;;
    *) usage; die "unknown argument: $1" ;;
    esac
    case $opt in
    --source) SRC=$val ;;
    --dest) DST=$val ;;
    --mode) MODE=$val ;;
    --parallel) PAR=$val ;;
    --report) REPORT=$val ;;
    --map) MAP=$val ;;
    --expect) EXPECT=$val ;;
    esac
done

[ -n "$SRC" ] || { usage; die "missing --source"; }
[ -n "$DST" ] || { usage; die "missing --dest"; }
[ -n "$MODE" ] || { usage; die "missing --mode"; }
case $MODE in
bulk | final | verify) ;;
*) usage; die "unknown mode '$MODE' (expected bulk, final or verify)" ;;
esac
case $PAR in
'' | *[!0-9]*) die "--parallel must be a positive integer, got '$PAR'" ;;
esac
[ "$PAR" -ge 1 ] || die "--parallel must be >= 1, got '$PAR'"
command -v rsync >/dev/null 2>&1 || die "rsync not found in PATH"

# ---------------------------------------------------------- preconditions --
[ -z "$MAP" ] || check_map "$MAP"
[ -z "$EXPECT" ] || [ -r "$EXPECT" ] || die "expect list '$EXPECT' is not readable"

# A fresh name each run: a killed run leaves its directory behind, and a later
# run can get the same PID.
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/homesync.XXXXXX") || die "cannot create a log directory in ${TMPDIR:-/tmp}"
cleanup() { rm -rf -- "$LOGDIR"; }
trap cleanup EXIT
on_signal() {
    trap '' INT TERM
    # Stop xargs and the workers, and ask every rsync to stop: rsync then
    # moves what it has of the current file to the partial dir.  Wait for the
    # rsyncs (a container ends when its PID 1 exits, killing them mid-save).
    kill -s TERM 0 2>/dev/null
    i=0
    while [ "$i" -lt 120 ]; do
        alive=0
        for pf in "$LOGDIR"/*.pid; do
            [ -e "$pf" ] || continue
            pid=$(cat "$pf" 2>/dev/null) || continue
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                alive=1
                kill -s TERM "$pid" 2>/dev/null
            fi
        done
        [ "$alive" = 1 ] || break
        sleep 1
        i=$((i + 1))
    done
    err "interrupted; partial files are kept in $WORK_NAME and resumed by the next run"
    exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# ------------------------------------------------------------ the source --
open_source "$SRC"
source_facts
[ "$MODE" = verify ] || [ -z "$SRC_USED" ] || check_capacity "$DST"

# check before creating anything, so DEST is never created inside SOURCE
[ "$REMOTE" = 1 ] || check_nesting "$RSRC" "$(real_path "$DST")"
if [ ! -e "$DST" ] && [ ! -L "$DST" ]; then
    [ "$MODE" != verify ] || die "destination '$DST' does not exist"
    mkdir -p -- "$DST" 2>/dev/null || die "cannot create destination '$DST' (not writable?)"
fi
[ -d "$DST" ] || die "destination '$DST' is not a directory"
RDST=$(cd -- "$DST" && pwd -P) || die "cannot resolve destination '$DST'"
[ "$REMOTE" = 1 ] || check_nesting "$RSRC" "$RDST"
WORK=$RDST/$WORK_NAME
STATE=$RDST/$STATE_NAME
if [ "$MODE" != verify ]; then
    [ -w "$RDST" ] || die "destination '$RDST' is not writable"
    { mkdir -p -- "$WORK/tmp" "$WORK/partial" 2>/dev/null && [ -w "$WORK/tmp" ]; } ||
        die "destination '$RDST' is not writable (cannot create $WORK_NAME)"
    # temp files of a killed run are never complete; partial files are kept
    # in $WORK/partial so rsync can resume from them.
    rm -rf -- "$WORK/tmp" && mkdir -- "$WORK/tmp" || die "cannot reset $WORK/tmp"
    mkdir -p -- "$STATE/users" 2>/dev/null || die "cannot create $STATE_NAME in '$RDST'"
    # stamps prepared for batched users, committed only after their copy
    rm -rf -- "$STATE/pending" && mkdir -- "$STATE/pending" || die "cannot reset $STATE_NAME/pending"
fi

# ---------------------------------------------------------------- features --
RSV=$(rsync --version 2>/dev/null)
RSH=$(rsync --help 2>/dev/null)
XF=$SOCKOPTS
probe_attr() { # probe_attr KIND TOOL ENVVAL -> sets $probe (0/1)
    case $3 in
    0 | 1) probe=$3; return ;;
    esac
    probe=0
    case $RSV in *"$1"*) probe=1 ;; esac
    [ "$probe" = 1 ] || return 0
    [ "$MODE" != verify ] || return 0
    if command -v "$2" >/dev/null 2>&1; then
        f=$WORK/tmp/probe
        : >"$f" && {
            if [ "$2" = setfattr ]; then setfattr -n user.homesync -v 1 "$f"
            else setfacl -m u:0:r "$f"; fi
        } >/dev/null 2>&1 || probe=0
        rm -f -- "$f"
    fi
}
probe_attr xattrs setfattr "${HOMESYNC_XATTRS:-}"
XATTRS=$probe
[ "$XATTRS" = 1 ] && XF="$XF -X"
probe_attr ACLs setfacl "${HOMESYNC_ACLS:-}"
ACLS=$probe
[ "$ACLS" = 1 ] && XF="$XF -A"
case $RSH in *--open-noatime*) XF="$XF --open-noatime" ;; esac
[ "$MODE" != verify ] || CTIME=0
if [ "$CTIME" = 1 ] && [ "$REMOTE" = 0 ]; then
    { find "$RSRC" -prune -cnewer "$RSRC" >/dev/null 2>&1 && set_stamp "$WORK/tmp/stamp" 0; } || {
        warn "find has no -cnewer or touch no -d @EPOCH: skipping the ctime scan;" \
            "content changes that kept size and mtime are left to 'verify'"
        CTIME=0
    }
fi
XARGS_P="-P $PAR"
if [ "$PAR" -gt 1 ] && ! printf 'x\0' | xargs -0 -P 2 -n 1 true >/dev/null 2>&1; then
    warn "xargs has no -P; running users one at a time"
    XARGS_P=
fi
printf 'x\0' | xargs -0 -n 1 true >/dev/null 2>&1 || die "xargs does not support -0"


HS_SRC=$RSRC HS_DST=$RDST HS_MODE=$MODE HS_WORK=$WORK HS_LOGDIR=$LOGDIR
HS_XFLAGS=$XF HS_CTIME=$CTIME HS_STATE=$STATE HS_SKEW=$SKEW HS_REMOTE=$REMOTE
# Stamps need only this side's clock: kept whenever changes can be found by
# ctime (locally), and always behind a daemon (its scan finds them).
HS_STAMPS=$CTIME
[ "$REMOTE" = 0 ] || HS_STAMPS=1
HS_DEFER=0
[ "$MODE" = final ] && [ "$CTIME" = 1 ] && HS_DEFER=1
export HS_SRC HS_DST HS_MODE HS_WORK HS_LOGDIR HS_XFLAGS HS_CTIME HS_STATE HS_SKEW HS_SELF HS_DEFER
export HS_REMOTE HS_SCAN HS_STAMPS
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
T0=$(now)
info "mode=$MODE source=$RSRC dest=$RDST parallel=$PAR xattrs=$XATTRS acls=$ACLS"

# Top-level entries: files, symlinks and the directories themselves (not
# their contents); with --delete in final mode this also removes top-level
# entries that are gone from the source.
TOPX="--exclude=/$WORK_NAME --exclude=/$STATE_NAME --exclude=/lost+found"
top_pass() { # top_pass LOGNAME EXTRA...
    tl=$LOGDIR/$1
    shift
    # shellcheck disable=SC2086
    rs "$tl" -d $TOPX "$@" --stats "$RSRC/" "$RDST/"
}
TOPRC=0
CT_TOP=0
: >"$LOGDIR/top.out"
: >"$LOGDIR/top.err"
: >"$LOGDIR/unmapped"
if [ -n "$MAP" ]; then
    # Renamed homes: the old root's own entries and attributes stay behind
    # (the new share's root belongs to the new deployment), nothing at the
    # top of DEST is ever deleted.
    :
elif [ "$MODE" = verify ]; then
    top_pass top -n --checksum --delete --out-format='HSITEM %i %n%L' || TOPRC=$?
else
    set -- --temp-dir="$WORK/tmp" --partial-dir="$WORK/partial/_top"
    [ "$MODE" = final ] && set -- "$@" --delete
    if [ "$CTIME" = 1 ] && [ -f "$STATE/top" ]; then
        (cd "$RSRC" && find . ! -name . -prune -type f -cnewer "$STATE/top" -print0) \
            >"$LOGDIR/top.ctime" || TOPRC=$?
        CT_TOP=$(tr -cd '\000' <"$LOGDIR/top.ctime" | wc -c | tr -d ' ')
        if [ "$CT_TOP" -gt 0 ]; then
            rs "$LOGDIR/top" --checksum --files-from="$LOGDIR/top.ctime" --from0 "$@" --stats \
                "$RSRC/" "$RDST/" || TOPRC=$?
        fi
        top_pass top "$@" || TOPRC=$?
    elif [ "$CTIME" = 1 ]; then
        top_pass top --checksum "$@" || TOPRC=$? # a handful of files: compare them all once
    else
        top_pass top "$@" || TOPRC=$?
    fi
    [ "$TOPRC" -eq 24 ] && [ "$MODE" = bulk ] && TOPRC=0
    if [ "$TOPRC" -eq 0 ] && [ "$CTIME" = 1 ]; then
        set_stamp "$STATE/top" $((T0 - SKEW)) || err "cannot write stamp $STATE/top"
    fi
fi
if [ "$TOPRC" -ne 0 ]; then
    err "top-level pass failed (rsync exit $TOPRC):"
    sed 's/^/    /' "$LOGDIR/top.err" | head -n 20 >&2
fi

# One rsync per top-level directory ("user"), N at a time.
SELF=$0
if [ -n "$MAP" ]; then
    if [ "$REMOTE" = 1 ]; then
        # the daemon's top level as open_source listed it: one round trip fewer
        sed -n 's/^d[^ ]* *[^ ]* [^ ]* [^ ]* //p' "$LOGDIR/list.top" >"$LOGDIR/srcdirs" ||
            die "cannot read the listing of $RSRC/"
    else
        (cd "$RSRC" && find . ! -name . -prune -type d -print | sed 's|^\./||') >"$LOGDIR/srcdirs" ||
            die "cannot list source directories"
    fi
    grep -v -x -e . -e lost+found "$LOGDIR/srcdirs" >"$LOGDIR/srcdirs.u"
    awk -F '\t' 'NF == 2 { print $1 }' "$MAP" >"$LOGDIR/mapped.old"
    grep -F -x -v -f "$LOGDIR/mapped.old" "$LOGDIR/srcdirs.u" >"$LOGDIR/unmapped"
    awk -F '\t' 'NR == FNR { here[$0] = 1; next } NF == 2 && ($1 in here) { print ++n, $1, $2 }' \
        "$LOGDIR/srcdirs.u" "$MAP" >"$LOGDIR/pairs"
    NUSERS=$(wc -l <"$LOGDIR/pairs" | tr -d ' ')
    NUNMAPPED=$(wc -l <"$LOGDIR/unmapped" | tr -d ' ')
    info "$NUSERS user directories to copy under new names"
    [ "$NUNMAPPED" -eq 0 ] || warn "$NUNMAPPED source directories are not in the map and are not copied:" \
        "$(head -n 20 "$LOGDIR/unmapped" | tr '\n' ' ')"
    if [ "$NUSERS" -gt 0 ]; then
        # shellcheck disable=SC2086
        [ ! -s "$HS_SCAN/list" ] || split_scan "$HS_SCAN" "$LOGDIR/pairs"
        cp -f -- "$LOGDIR/pairs" "$LOGDIR/pairs.walk"
        if [ "$HS_DEFER" = 1 ] && [ "$REMOTE" = 1 ] && ! batch_plan "$LOGDIR/pairs"; then
            warn "the batched final could not be planned: every home goes to its own worker"
            rm -f -- "$LOGDIR"/batch.*
            cp -f -- "$LOGDIR/pairs" "$LOGDIR/pairs.walk"
        fi
        if [ -s "$LOGDIR/pairs.walk" ]; then
            xargs $XARGS_P -n 3 sh "$SELF" __worker <"$LOGDIR/pairs.walk" &
            wait $!
        fi
    fi
else
    (cd "$RSRC" && find . ! -name . -prune -type d ! -name lost+found -print0) >"$LOGDIR/users" ||
        die "cannot list source directories"
    NUSERS=$(tr -cd '\000' <"$LOGDIR/users" | wc -c | tr -d ' ')
    info "$NUSERS user directories"
    if [ "$NUSERS" -gt 0 ]; then
        # shellcheck disable=SC2086
        xargs -0 $XARGS_P -n 1 sh "$SELF" __worker <"$LOGDIR/users" &
        wait $!
    fi
fi

# Batched incremental final (local source): see batched_final.
batched_final

# verify --expect: every home the old hub's users need must be there.
: >"$LOGDIR/missing"
if [ -n "$EXPECT" ]; then
    while IFS= read -r h; do
        [ -n "$h" ] || continue
        [ -d "$RDST/$h" ] && [ ! -L "$RDST/$h" ] || printf '%s\n' "$h" >>"$LOGDIR/missing"
    done <"$EXPECT"
fi
NMISSING=$(wc -l <"$LOGDIR/missing" | tr -d ' ')

# Sum up the per-user results.
summarize

if [ "$MODE" != verify ]; then
    if [ "$TOPRC" -eq 0 ] && [ "$FAILED" -eq 0 ]; then
        # success: drop scratch space, then make the top level exact again
        # (removing it, and the per-user runs, touched directory times).
        rm -rf -- "$WORK"
        # every home of an unfinished batch has had its pass since
        rm -f -- "$(batch_open)"
        if [ -z "$MAP" ]; then
            set --
            [ "$MODE" = final ] && set -- --delete
            top_pass top "$@" || TOPRC=$?
            [ "$TOPRC" -eq 24 ] && [ "$MODE" = bulk ] && TOPRC=0
            [ "$TOPRC" -eq 0 ] || err "top-level attribute pass failed (rsync exit $TOPRC)"
        fi
    else
        info "keeping $WORK for the next run (partial files are resumed)"
    fi
fi

finish
exit "$STATUS"
