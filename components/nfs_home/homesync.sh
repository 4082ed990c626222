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
#           are propagated.  Every copy pass (bulk and final) compares by
#           checksum the files whose ctime is newer than the user's stamp in
#           DEST/.homesync/users (the start of the last pass that completed
#           for that user), which catches content changes that kept size and
#           mtime while reading only what changed since.
#           From a local/NFS source, when the user's last pass completed, a
#           final pass is incremental: one `find -cnewer STAMP` over the
#           user's source directory, then rsync on the changed entries only
#           (changed directories one level deep with --delete, new or
#           renamed-in directories recursively, changed files by checksum);
#           the destination is not walked.  A user whose last pass did not
#           complete, whose home was replaced, or whose changes hit a case
#           the incremental pass cannot prove (see worker) is walked in full
#           as before.  An rsync:// source always walks both sides.
#   verify  read-only comparison by CONTENT (checksum) and metadata (owner,
#           group, mode, times, symlinks, hard links, xattrs, ACLs); exits 1
#           if anything differs and lists the first differences.
#
# Exit status: 0 ok; 1 verify found differences; 2 usage or precondition
# error; 3 rsync failed for the top level or for at least one user;
# 130/143 interrupted.
#
# Portability: POSIX sh + rsync >= 3.1 + find/xargs with -print0/-0 (GNU
# findutils or busybox).  xargs -P is used when available (busybox built with
# FEATURE_XARGS_SUPPORT_PARALLEL, GNU); otherwise users run one at a time.
# `date +%s` and `find -cnewer` are not POSIX but exist in GNU and busybox;
# the ctime scan is skipped with a warning when find lacks -cnewer.
#
# Never writes to SOURCE: rsync only reads it (--open-noatime when
# supported, so even atimes stay put).  Scratch files live in
# DEST/.homesync-work (temp files, resumable partial files), which is removed
# at the end of every successful copy run.  DEST/.homesync keeps the per-user
# stamps between passes; both sit at the share root, outside every user's
# directory, so no user's home mount shows them.

set -u
LC_ALL=C
export LC_ALL
PROG=homesync
WORK_NAME=.homesync-work
STATE_NAME=.homesync
# Seconds taken off a pass's start time when it becomes a stamp: the source's
# ctimes come from its file server's clock, the stamp from this pod's.  Both
# are NTP-synchronised on GCP; 5 s is far above their skew.
SKEW=${HOMESYNC_CLOCK_SKEW:-5}
# An rsync:// source must answer within this many seconds (TCP connect and
# the daemon's greeting), so an unreachable one fails the Job in minutes.
CONTIMEOUT=${HOMESYNC_CONNECT_TIMEOUT:-30}

err() { printf '%s: error: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
info() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { err "$*"; exit 2; }

usage() {
    cat >&2 <<'EOF'
usage: homesync.sh --source DIR|rsync://HOST/MODULE[/PATH] --dest DIR
                   --mode bulk|final|verify [--parallel N] [--report FILE]
                   [--map FILE] [--expect FILE] [--no-ctime-scan]
EOF
}

# json_str STRING -> prints a JSON string literal.  Bytes >= 0x80 are written
# as rsync writes them (\#ooo octal), so the report is valid JSON whatever the
# encoding of file names; control characters become \u00XX.
json_str() {
    S=$1 awk 'BEGIN {
        s = ENVIRON["S"]
        for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
        out = "\""
        n = length(s)
        for (i = 1; i <= n; i++) {
            c = substr(s, i, 1); o = ord[c]
            if (c == "\\") out = out "\\\\"
            else if (c == "\"") out = out "\\\""
            else if (o < 32 || o == 127) out = out sprintf("\\u%04x", o)
            else if (o >= 128) out = out sprintf("\\\\#%03o", o)
            else out = out c
        }
        printf "%s\"", out
    }'
}

# rs ARGS... -- rsync with the flags shared by every pass.  -r or -d is
# chosen by the caller.  HS_XFLAGS holds optional flags without spaces.
# --modify-window=-1: compare mtimes to the nanosecond (the default compares
# whole seconds, which leaves sub-second directory/symlink time drift alone).
rs() { # rs LOGBASE ARGS...: output appended to LOGBASE.out/.err
    rs_base=$1
    shift
    # Started asynchronously (a plain command, so $! is rsync itself) and
    # recorded in LOGBASE.pid: on TERM the main process forwards the signal
    # and waits for every rsync to save its partial file before exiting.
    # shellcheck disable=SC2086
    rsync -lptgoD -H --numeric-ids --sparse --force --modify-window=-1 $HS_XFLAGS \
        "$@" >>"$rs_base.out" 2>>"$rs_base.err" &
    rs_pid=$!
    echo "$rs_pid" >"$rs_base.pid"
    wait "$rs_pid"
    rs_rc=$?
    rm -f -- "$rs_base.pid"
    return "$rs_rc"
}

# stats FILE... -> "files bytes" summed over rsync --stats outputs
stats() {
    awk -F': ' '
        /^Number of regular files transferred:/ { v = $2; gsub(/[^0-9]/, "", v); f += v }
        /^Total transferred file size:/ { v = $2; gsub(/[^0-9]/, "", v); b += v }
        END { printf "%.0f %.0f\n", f, b }' "$@" </dev/null
}

now() { date +%s; }

# set_stamp FILE EPOCH [LINE]: FILE's mtime becomes EPOCH and its content
# LINE (empty by default), atomically.
set_stamp() {
    printf '%s\n' "${3:-}" >"$1.new" && touch -d "@$2" "$1.new" 2>/dev/null && mv -f -- "$1.new" "$1"
}

# open_stamp FILE: empty FILE's content, keeping its mtime, atomically.  A
# user's stamp names the source inode of the home only while no pass is
# running for that user: an interrupted pass leaves it empty, and the next
# final pass then walks the whole home instead of trusting the destination.
open_stamp() {
    printf '\n' >"$1.new" && touch -r "$1" "$1.new" && mv -f -- "$1.new" "$1"
}

# classify STAMP DBASE ROOT OUT PATH...: run in the source base directory on
# the paths whose ctime is newer than STAMP (find's pre-order, so a directory
# comes before what it holds), appends them NUL-terminated to
#   OUT.files  every non-directory: compared by checksum and copied;
#   OUT.trees  DIR/. for a directory that may hold entries older than STAMP
#              the destination has never seen (it is missing there, or it
#              and its parent both changed: created, or renamed into place,
#              since rename changes the moved inode's ctime): copied
#              recursively;
#   OUT.dirs   DIR/. for any other changed directory: entries were added,
#              removed or renamed in it, or its own attributes changed;
#              synced one level deep (rsync -d), which deletes what is gone.
# Directories inside a tree are left to the tree's recursive copy.
classify() {
    c_stamp=$1 c_dst=$2 c_root=$3 c_out=$4
    shift 4
    c_tree=
    for p in "$@"; do
        if [ -d "$p" ] && [ ! -L "$p" ]; then
            if [ -n "$c_tree" ]; then
                case $p in "$c_tree"/*) continue ;; esac
            fi
            if [ "$p" = "$c_root" ]; then
                printf '%s/.\0' "$p" >>"$c_out.dirs"
            elif [ ! -d "$c_dst/$p" ] || [ -L "$c_dst/$p" ] ||
                [ -n "$(find "${p%/*}" -prune -cnewer "$c_stamp" -print)" ]; then
                c_tree=$p
                printf '%s/.\0' "$p" >>"$c_out.trees"
            else
                printf '%s/.\0' "$p" >>"$c_out.dirs"
            fi
        else
            printf '%s\0' "$p" >>"$c_out.files"
        fi
    done
}

# ---------------------------------------------------------------- worker ---
# Runs one user directory.  Invoked by xargs as
#   sh homesync.sh __worker ./NAME         (SOURCE/NAME -> DEST/NAME), or
#   sh homesync.sh __worker OLD NEW        (--map: SOURCE/OLD/ -> DEST/NEW/)
# Configuration comes from the HS_* environment set by the main process.
worker() {
    u=$1 v=${2:-$1}
    key=$(printf '%s' "$v" | cksum | awk '{ print $1 "-" $2 }')
    log=$HS_LOGDIR/u.$key
    printf '%s' "$v" >"$log.name"
    t0=$(now)
    rc=0
    rechecked=0
    walk=0
    : >"$log.out"
    : >"$log.err"
    if [ $# -eq 2 ]; then
        # renamed: trailing slashes copy OLD's contents and attributes into NEW
        from=$HS_SRC/$u/ to=$HS_DST/$v/ sbase=$HS_SRC/$u dbase=$HS_DST/$v rel=. fmt="$v/%n"
    else
        from=$HS_SRC/$u to=$HS_DST/ sbase=$HS_SRC dbase=$HS_DST rel=$u fmt=%n
    fi
    if [ "$HS_MODE" = verify ]; then
        rs "$log" -r -n --checksum --delete --out-format="HSITEM %i $fmt%L" --stats \
            "$from" "$to" || rc=$?
    else
        set -- --temp-dir="$HS_WORK/tmp" --partial-dir="$HS_WORK/partial/$key"
        [ "$HS_MODE" = final ] && set -- "$@" --delete
        stamp=$HS_STATE/users/${v#./}
        full=
        walk=1
        done_ino= ino=
        if [ -f "$stamp" ]; then
            # the source inode of the home when the last pass for this user
            # completed (empty: never completed, or interrupted since)
            IFS= read -r done_ino <"$stamp" || done_ino=
            open_stamp "$stamp" || rc=$?
        fi
        if [ "$rc" -eq 0 ] && [ "$HS_CTIME" = 1 ]; then
            ino=$(ls -di -- "$sbase/$rel" 2>/dev/null) && ino=${ino#"${ino%%[! ]*}"} && ino=${ino%% *} || ino=
            if [ -f "$stamp" ] && [ "$HS_MODE" = final ] && [ -n "$ino" ] && [ "$ino" = "$done_ino" ]; then
                # Incremental final: the destination is what the last
                # completed pass left, so only what changed since its stamp
                # is read.  One walk of the source's metadata (find), none of
                # the destination's; rsync lists only changed directories.
                walk=0
                : >"$log.files"
                : >"$log.trees"
                : >"$log.dirs"
                (cd "$sbase" && find "$rel" -cnewer "$stamp" -print0) \
                    >"$log.changed" 2>>"$log.err" || rc=$?
                if [ "$rc" -eq 0 ] && [ -s "$log.changed" ]; then
                    (cd "$sbase" && xargs -0 sh "$HS_SELF" __classify "$stamp" "$dbase" "$rel" "$log" \
                        <"$log.changed") 2>>"$log.err" || rc=$?
                fi
                [ ! -s "$log.files" ] || rechecked=$(tr -cd '\000' <"$log.files" | wc -c | tr -d ' ')
                set -- "$@" --ignore-missing-args --from0
                if [ "$rc" -eq 0 ] && [ "$HS_DEFER" = 1 ] && [ "$rel" != . ]; then
                    # Batched: the main process copies every deferred user's
                    # lists with one rsync per kind (an rsync per user costs
                    # more than the few entries it copies) and then commits
                    # the stamp prepared here.  A hard link in a new or moved
                    # directory with an old ctime may have names outside it,
                    # which a copy of the tree alone would not link: walk.
                    if [ -s "$log.trees" ] && [ -n "$(cd "$sbase" && xargs -0 sh -c \
                        'exec find "$@" -type f -links +1 ! -cnewer "$0"' "$stamp" \
                        <"$log.trees" 2>>"$log.err" | head -n 1)" ]; then
                        printf 'hard links in a new or moved directory: full walk\n' >>"$log.err"
                        walk=1
                    else
                        set_stamp "$HS_STATE/pending/${v#./}" $((t0 - HS_SKEW)) "$ino" || rc=$?
                        : >"$log.defer"
                        walk=2
                    fi
                fi
                if [ "$rc" -eq 0 ] && [ "$walk" = 0 ] && [ -s "$log.trees" ]; then
                    rs "$log" -r "$@" --files-from="$log.trees" --out-format='HSTREE %i' --stats \
                        "$sbase/" "$dbase/" || rc=$?
                    # This rsync only sees the names inside the trees: a file
                    # it wrote whose inode has other names elsewhere (and an
                    # old ctime, else they are all in OUT.files) was not
                    # linked to them: walk the whole home, which links it.
                    if [ "$rc" -eq 0 ] && grep -q '^HSTREE [>ch]f' "$log.out" &&
                        [ -n "$(cd "$sbase" && xargs -0 sh -c \
                            'exec find "$@" -type f -links +1 ! -cnewer "$0"' "$stamp" \
                            <"$log.trees" 2>>"$log.err" | head -n 1)" ]; then
                        printf 'hard links in a new or moved directory: full walk\n' >>"$log.err"
                        walk=1
                    fi
                fi
                if [ "$rc" -eq 0 ] && [ "$walk" = 0 ] && [ -s "$log.dirs" ]; then
                    rs "$log" -d "$@" --files-from="$log.dirs" --out-format='HSDIR %i' --stats \
                        "$sbase/" "$dbase/" || rc=$?
                    # a directory created here was missed by the tree rule
                    # (a rename that kept its ctime): walk the whole home
                    if [ "$rc" -eq 0 ] && grep -q '^HSDIR cd+' "$log.out"; then
                        printf 'new directory outside the changed trees: full walk\n' >>"$log.err"
                        walk=1
                    fi
                fi
                if [ "$rc" -eq 0 ] && [ "$walk" != 2 ] && [ "$rechecked" -gt 0 ]; then
                    rs "$log" --checksum "$@" --files-from="$log.files" --stats "$sbase/" "$dbase/" || rc=$?
                fi
                set -- --temp-dir="$HS_WORK/tmp" --partial-dir="$HS_WORK/partial/$key" --delete
            elif [ -f "$stamp" ]; then
                # files whose inode changed since the last pass that completed
                # for this user began: the only ones whose content may differ
                # while size and mtime match
                (cd "$sbase" && find "$rel" -type f -cnewer "$stamp" -print0) \
                    >"$log.ctime" 2>>"$log.err" || rc=$?
                rechecked=$(tr -cd '\000' <"$log.ctime" | wc -c | tr -d ' ')
                if [ "$rc" -eq 0 ] && [ "$rechecked" -gt 0 ]; then
                    rs "$log" --checksum --files-from="$log.ctime" --from0 "$@" --stats \
                        "$sbase/" "$dbase/" || rc=$?
                fi
            elif [ -e "$HS_DST/$v" ] || [ -L "$HS_DST/$v" ]; then
                full=--checksum # copied without a stamp: compare everything once
            else
                # nothing copied yet: all this pass writes is read after t0
                set_stamp "$stamp" $((t0 - HS_SKEW)) || rc=$?
            fi
        fi
        if [ "$walk" = 1 ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 24 ]; }; then
            rs "$log" -r $full "$@" --stats "$from" "$to" || rc=$?
        fi
        # 24 = "some source files vanished": normal while users still work.
        if [ "$rc" -eq 24 ] && [ "$HS_MODE" = bulk ]; then rc=0; fi
        if [ "$rc" -eq 0 ] && [ "$HS_CTIME" = 1 ] && [ "$walk" != 2 ]; then
            # complete: the stamp names the home's inode again
            set_stamp "$stamp" $((t0 - HS_SKEW)) "$ino" || rc=$?
            [ "$rc" -eq 0 ] || printf 'cannot write stamp %s\n' "$stamp" >>"$log.err"
        fi
    fi
    t1=$(now)
    if [ -s "$log.out" ]; then
        set -- $(stats "$log.out")
        ndiff=$(grep -c '^HSITEM ' "$log.out")
    else
        set -- 0 0 # a batched user: its copy is counted by the main process
        ndiff=0
    fi
    [ "$walk" = 2 ] && walk=0
    printf '%s %s %s %s %s %s %s\n' "$rc" "$1" "$2" "$((t1 - t0))" "$ndiff" "$rechecked" "$walk" >"$log.res"
    name=$(json_str "${u#./}")
    if [ "$rc" -eq 0 ]; then
        if [ "$HS_MODE" = verify ]; then
            info "[$HS_MODE] user $name: $ndiff difference(s), $((t1 - t0))s"
        else
            extra=
            [ "$HS_MODE" = final ] && extra="ctime_rechecked=$rechecked walk=$([ "$walk" = 1 ] && echo full || echo changed) "
            info "[$HS_MODE] user $name: ok files=$1 bytes=$2 $extra$((t1 - t0))s"
        fi
    else
        err "[$HS_MODE] user $name: rsync exit $rc"
        sed 's/^/    /' "$log.err" | head -n 20 >&2
    fi
    return 0
}

if [ "${1:-}" = __worker ]; then
    shift
    worker "$@"
    exit $?
fi
if [ "${1:-}" = __classify ]; then
    shift
    classify "$@"
    exit $?
fi

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
# --map: OLD<TAB>NEW per line.  Names are restricted to characters that need
# no quoting (old names are escapism output, new ones KubeSpawner slugs), so
# pairs can go through xargs as words.
if [ -n "$MAP" ]; then
    [ -r "$MAP" ] || die "map '$MAP' is not readable"
    MAPERR=$(awk -F '\t' '
        function bad(m) { printf "map line %d: %s\n", NR, m; n++ }
        /^$/ { next }
        NF != 2 { bad("expected OLD<TAB>NEW"); next }
        {
            for (i = 1; i <= 2; i++)
                if ($i !~ /^[A-Za-z0-9_@+][A-Za-z0-9._@+-]*$/ || $i ~ /^\.homesync/ || $i == "lost+found")
                    bad("\"" $i "\" is not a usable directory name")
            if ($1 in old) bad("\"" $1 "\" is mapped twice")
            else if ($2 in new) bad("\"" new[$2] "\" and \"" $1 "\" both map to \"" $2 "\"")
            old[$1] = 1; new[$2] = $1
        }
        END { exit n > 0 }' "$MAP") || die "invalid map '$MAP':
$MAPERR"
fi
[ -z "$EXPECT" ] || [ -r "$EXPECT" ] || die "expect list '$EXPECT' is not readable"
case $SRC in
rsync://*)
    # An rsync daemon (the old cluster's read-only export of the old homes).
    [ -n "$MAP" ] || die "an rsync:// source needs --map"
    RSRC=${SRC%/}
    REMOTE=1
    PROBE=$(rsync --contimeout="$CONTIMEOUT" --timeout="$CONTIMEOUT" --list-only "$RSRC/" 2>&1 >/dev/null) ||
        die "cannot reach $RSRC/: $(printf '%s\n' "$PROBE" | grep -v '^rsync error:' | head -n 3 | tr '\n' ' ')"
    ;;
*)
    REMOTE=0
    [ -e "$SRC" ] || die "source '$SRC' does not exist"
    [ -d "$SRC" ] || die "source '$SRC' is not a directory"
    { [ -r "$SRC" ] && [ -x "$SRC" ] && ls -a -- "$SRC" >/dev/null 2>&1; } ||
        die "source '$SRC' is not readable"
    RSRC=$(cd -- "$SRC" && pwd -P) || die "cannot resolve source '$SRC'"
    for reserved in "$WORK_NAME" "$STATE_NAME"; do
        if [ -e "$RSRC/$reserved" ] || [ -L "$RSRC/$reserved" ]; then
            die "source contains '$reserved', which is reserved for homesync's own files"
        fi
    done
    ;;
esac

# real path of a directory that may not exist yet: resolve the nearest
# existing ancestor, append the rest
real_path() {
    p=$1 rest=
    while [ ! -d "$p" ]; do
        if [ -e "$p" ] || [ -L "$p" ] || [ "$p" = . ] || [ "$p" = / ]; then break; fi
        rest=/$(basename -- "$p")$rest
        p=$(dirname -- "$p")
    done
    r=$(cd -- "$p" 2>/dev/null && pwd -P) || r=$p
    printf '%s%s\n' "${r%/}" "$rest"
}
check_nesting() {
    [ "$2" != / ] || die "refusing to use / as destination"
    case $2/ in
    "$1"/*) die "destination '$2' is inside source '$1'" ;;
    esac
    case $1/ in
    "$2"/*) die "source '$1' is inside destination '$2'" ;;
    esac
}
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
XF=
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
if [ "$CTIME" = 1 ] && [ "$REMOTE" = 1 ]; then
    warn "no ctime scan through an rsync daemon; content changes that kept size" \
        "and mtime are left to 'verify'"
    CTIME=0
fi
if [ "$CTIME" = 1 ]; then
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

HS_SRC=$RSRC HS_DST=$RDST HS_MODE=$MODE HS_WORK=$WORK HS_LOGDIR=$LOGDIR
HS_XFLAGS=$XF HS_CTIME=$CTIME HS_STATE=$STATE HS_SKEW=$SKEW
case $0 in
/*) HS_SELF=$0 ;;
*) HS_SELF=$(pwd -P)/$0 ;; # workers run classify from inside the source
esac
HS_DEFER=0
[ "$MODE" = final ] && [ "$CTIME" = 1 ] && [ -z "$MAP" ] && HS_DEFER=1
export HS_SRC HS_DST HS_MODE HS_WORK HS_LOGDIR HS_XFLAGS HS_CTIME HS_STATE HS_SKEW HS_SELF HS_DEFER
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
        rsync --contimeout="$CONTIMEOUT" --timeout=600 --list-only "$RSRC/" 2>"$LOGDIR/list.err" |
            sed -n 's/^d[^ ]* *[^ ]* [^ ]* [^ ]* //p' >"$LOGDIR/srcdirs" ||
            die "cannot list $RSRC/: $(head -n 3 "$LOGDIR/list.err")"
    else
        (cd "$RSRC" && find . ! -name . -prune -type d -print | sed 's|^\./||') >"$LOGDIR/srcdirs" ||
            die "cannot list source directories"
    fi
    grep -v -x -e . -e lost+found "$LOGDIR/srcdirs" >"$LOGDIR/srcdirs.u"
    awk -F '\t' 'NF == 2 { print $1 }' "$MAP" >"$LOGDIR/mapped.old"
    grep -F -x -v -f "$LOGDIR/mapped.old" "$LOGDIR/srcdirs.u" >"$LOGDIR/unmapped"
    awk -F '\t' 'NR == FNR { here[$0] = 1; next } NF == 2 && ($1 in here) { print $1, $2 }' \
        "$LOGDIR/srcdirs.u" "$MAP" >"$LOGDIR/pairs"
    NUSERS=$(wc -l <"$LOGDIR/pairs" | tr -d ' ')
    NUNMAPPED=$(wc -l <"$LOGDIR/unmapped" | tr -d ' ')
    info "$NUSERS user directories to copy under new names"
    [ "$NUNMAPPED" -eq 0 ] || warn "$NUNMAPPED source directories are not in the map and are not copied:" \
        "$(head -n 20 "$LOGDIR/unmapped" | tr '\n' ' ')"
    if [ "$NUSERS" -gt 0 ]; then
        # shellcheck disable=SC2086
        xargs $XARGS_P -n 2 sh "$SELF" __worker <"$LOGDIR/pairs" &
        wait $!
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

# Batched incremental final: the deferred users' changed trees, directories
# and files, each kind in one rsync over the whole share (their paths are
# relative to it).  Only then do their stamps move forward.  If anything
# fails, or a directory appears that no tree covered (a rename that kept its
# ctime), those users are run again: their stamps are still open, so each is
# walked in full.
: >"$LOGDIR/fin.out"
: >"$LOGDIR/fin.err"
: >"$LOGDIR/fin.trees"
: >"$LOGDIR/fin.dirs"
: >"$LOGDIR/fin.files"
: >"$LOGDIR/fin.users"
for d in "$LOGDIR"/u.*.defer; do
    [ -e "$d" ] || continue
    lb=${d%.defer}
    cat "$lb.trees" >>"$LOGDIR/fin.trees"
    cat "$lb.dirs" >>"$LOGDIR/fin.dirs"
    cat "$lb.files" >>"$LOGDIR/fin.files"
    { cat "$lb.name"; printf '\000'; } >>"$LOGDIR/fin.users"
done
if [ -s "$LOGDIR/fin.users" ]; then
    FINRC=0
    set -- --temp-dir="$WORK/tmp" --partial-dir="$WORK/partial/_final" --delete --ignore-missing-args --from0
    if [ -s "$LOGDIR/fin.trees" ]; then
        rs "$LOGDIR/fin" -r "$@" --files-from="$LOGDIR/fin.trees" --stats "$RSRC/" "$RDST/" || FINRC=$?
    fi
    if [ "$FINRC" -eq 0 ] && [ -s "$LOGDIR/fin.dirs" ]; then
        rs "$LOGDIR/fin" -d "$@" --files-from="$LOGDIR/fin.dirs" --out-format='HSDIR %i' --stats \
            "$RSRC/" "$RDST/" || FINRC=$?
        if [ "$FINRC" -eq 0 ] && grep -q '^HSDIR cd+' "$LOGDIR/fin.out"; then
            warn "a new directory outside the changed trees: walking the batched users in full"
            FINRC=-1
        fi
    fi
    if [ "$FINRC" -eq 0 ] && [ -s "$LOGDIR/fin.files" ]; then
        rs "$LOGDIR/fin" --checksum "$@" --files-from="$LOGDIR/fin.files" --stats \
            "$RSRC/" "$RDST/" || FINRC=$?
    fi
    if [ "$FINRC" -eq 0 ]; then
        for f in "$STATE/pending"/* "$STATE/pending"/.[!.]* "$STATE/pending"/..?*; do
            { [ -e "$f" ] && [ "${f%.new}" = "$f" ]; } || continue
            mv -f -- "$f" "$STATE/users/" || { FINRC=1; err "cannot commit stamp $f"; }
        done
    else
        [ "$FINRC" -lt 0 ] || { err "batched final copy failed (rsync exit $FINRC):"; sed 's/^/    /' "$LOGDIR/fin.err" | head -n 20 >&2; }
        rm -rf -- "$STATE/pending" && mkdir -- "$STATE/pending"
        : >"$LOGDIR/fin.out"
        rm -f -- "$LOGDIR"/u.*.defer
        HS_DEFER=0
        # shellcheck disable=SC2086
        xargs -0 $XARGS_P -n 1 sh "$SELF" __worker <"$LOGDIR/fin.users" &
        wait $!
    fi
fi

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
FAILED=0 FILES=0 BYTES=0 RECHECKED=$CT_TOP WALKED=0
: >"$LOGDIR/failed"
for r in "$LOGDIR"/u.*.res; do
    [ -e "$r" ] || continue
    read -r rc f b _s _d c w <"$r"
    FILES=$((FILES + f)) BYTES=$((BYTES + b)) RECHECKED=$((RECHECKED + c))
    [ "$w" = 1 ] && WALKED=$((WALKED + 1))
    if [ "$rc" -ne 0 ]; then
        FAILED=$((FAILED + 1))
        n=$(cat "${r%.res}.name")
        printf '%s\n' "$(json_str "${n#./}")" >>"$LOGDIR/failed"
    fi
done
NDONE=$(find "$LOGDIR" -name 'u.*.res' | wc -l | tr -d ' ')
if [ "$NDONE" -ne "$NUSERS" ]; then
    err "only $NDONE of $NUSERS user directories finished"
    FAILED=$((FAILED + NUSERS - NDONE))
fi

if [ "$MODE" != verify ]; then
    if [ "$TOPRC" -eq 0 ] && [ "$FAILED" -eq 0 ]; then
        # success: drop scratch space, then make the top level exact again
        # (removing it, and the per-user runs, touched directory times).
        rm -rf -- "$WORK"
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

set -- $(stats "$LOGDIR/top.out" "$LOGDIR/fin.out")
FILES=$((FILES + $1)) BYTES=$((BYTES + $2))
T1=$(now)
DURATION=$((T1 - T0))

# Differences (verify): deduplicated, in the order found.
cat "$LOGDIR/top.out" "$LOGDIR"/u.*.out 2>/dev/null | sed -n 's/^HSITEM //p' |
    awk '!seen[$0]++' >"$LOGDIR/diffs"
NDIFF=$(wc -l <"$LOGDIR/diffs" | tr -d ' ')
MAXLIST=1000

if [ "$TOPRC" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
    STATUS=3 RESULT=failed
elif [ "$MODE" = verify ] && { [ "$NDIFF" -gt 0 ] || [ "$NMISSING" -gt 0 ]; }; then
    STATUS=1 RESULT=differences
else
    STATUS=0 RESULT=ok
fi

if [ -n "$REPORT" ]; then
    {
        printf '{\n'
        printf '  "mode": "%s",\n' "$MODE"
        printf '  "result": "%s",\n' "$RESULT"
        printf '  "exit_code": %s,\n' "$STATUS"
        printf '  "source": %s,\n' "$(json_str "$RSRC")"
        printf '  "dest": %s,\n' "$(json_str "$RDST")"
        printf '  "parallel": %s,\n' "$PAR"
        printf '  "users": %s,\n' "$NUSERS"
        printf '  "failed_users": ['
        sep=
        while IFS= read -r line; do printf '%s%s' "$sep" "$line"; sep=', '; done <"$LOGDIR/failed"
        printf '],\n'
        printf '  "files_transferred": %s,\n' "$FILES"
        printf '  "bytes_transferred": %s,\n' "$BYTES"
        printf '  "ctime_rechecked_files": %s,\n' "$RECHECKED"
        printf '  "users_walked_fully": %s,\n' "$WALKED"
        printf '  "started_at": "%s",\n' "$STARTED"
        printf '  "duration_seconds": %s,\n' "$DURATION"
        printf '  "xattrs": %s,\n' "$([ "$XATTRS" = 1 ] && echo true || echo false)"
        printf '  "acls": %s,\n' "$([ "$ACLS" = 1 ] && echo true || echo false)"
        json_list() { # json_list FILE: a JSON array of its lines
            sep=
            printf '['
            while IFS= read -r line; do printf '%s%s' "$sep" "$(json_str "$line")"; sep=', '; done <"$1"
            printf ']'
        }
        printf '  "mapped": %s,\n' "$([ -n "$MAP" ] && echo true || echo false)"
        printf '  "unmapped_dirs": %s,\n' "$(json_list "$LOGDIR/unmapped")"
        printf '  "missing_homes": %s,\n' "$(json_list "$LOGDIR/missing")"
        printf '  "differences_count": %s,\n' "$NDIFF"
        printf '  "differences_truncated": %s,\n' "$([ "$NDIFF" -gt "$MAXLIST" ] && echo true || echo false)"
        printf '  "differences": ['
        sep=
        head -n "$MAXLIST" "$LOGDIR/diffs" | while IFS= read -r line; do
            printf '%s\n    %s' "$sep" "$(json_str "$line")"
            sep=,
        done
        [ "$NDIFF" -gt 0 ] && printf '\n  '
        printf ']\n}\n'
    } >"$REPORT.tmp.$$" && mv -f -- "$REPORT.tmp.$$" "$REPORT" ||
        err "cannot write report '$REPORT'"
fi

if [ "$NMISSING" -gt 0 ]; then
    err "verify: $NMISSING user(s) of the old hub have no home in '$RDST':" \
        "$(head -n 50 "$LOGDIR/missing" | tr '\n' ' ')"
fi
if [ "$MODE" = verify ]; then
    if [ "$NDIFF" -gt 0 ]; then
        err "verify: $NDIFF difference(s) between source and destination; first ones:"
        head -n 50 "$LOGDIR/diffs" | sed 's/^/    /' >&2
    else
        info "verify: no differences"
    fi
fi
info "$RESULT: mode=$MODE users=$NUSERS failed=$FAILED files=$FILES bytes=$BYTES seconds=$DURATION"
exit "$STATUS"
