# homesync_source.sh -- what homesync.sh checks and learns before it copies:
# the map, the source (a directory or an rsync:// daemon), the paths, the
# old homes' size against the new share, and the change scan made beside a
# daemon; and the batched copy of a local incremental final.  Sourced (`.`),
# never run; POSIX sh.  Sets the main process's variables.

# --map: OLD<TAB>NEW per line.  Names are restricted to characters that need
# no quoting (old names are escapism output, which may begin with '-', new
# ones KubeSpawner slugs), so pairs can go through xargs as words; they only
# ever reach a command after a path prefix or `--`.
# check_map FILE: dies listing every bad line.
check_map() {
    [ -r "$1" ] || die "map '$1' is not readable"
    MAPERR=$(awk -F '\t' '
        function bad(m) { printf "map line %d: %s\n", NR, m; n++ }
        /^$/ { next }
        NF != 2 { bad("expected OLD<TAB>NEW"); next }
        {
            for (i = 1; i <= 2; i++)
                if ($i !~ /^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/ || $i ~ /^\.homesync/ || $i == "lost+found")
                    bad("\"" $i "\" is not a usable directory name")
            if ($1 in old) bad("\"" $1 "\" is mapped twice")
            else if ($2 in new) bad("\"" new[$2] "\" and \"" $1 "\" both map to \"" $2 "\"")
            old[$1] = 1; new[$2] = $1
        }
        END { exit n > 0 }' "$1") || die "invalid map '$1':
    $MAPERR"
}

# open_source SRC: sets RSRC, REMOTE and SOCKOPTS (and starts listing a
# daemon's top level into LOGDIR/list.top: source_reached waits for it);
# dies when SRC cannot be read.
#
# SOCKOPTS, every daemon connection's: rsync's protocol is a few small
# messages each way before the file list, and with Nagle's algorithm each
# one waits for the peer's delayed ACK (40 ms on Linux, tcp(7)
# TCP_QUICKACK) -- 0.2 s per connection on loopback, where the transfer
# itself takes 0.03 s.  rsync buffers its own writes, so TCP_NODELAY
# (rsync(1) --sockopts) only drops the waits.  The daemon sets it on its
# side too (components/legacy/export.py).
open_source() {
    PROBE= SOCKOPTS=
    case $1 in
    rsync://*)
        # An rsync daemon (the old cluster's read-only export of the old homes).
        [ -n "$MAP" ] || die "an rsync:// source needs --map"
        RSRC=${SRC%/}
        REMOTE=1
        SOCKOPTS=--sockopts=TCP_NODELAY
        # its top level, kept in LOGDIR/list.top for the map's pairs; it runs
        # while source_facts fetches the change scan, a round trip apiece
        rsync "$SOCKOPTS" --contimeout="$CONTIMEOUT" --timeout="$CONTIMEOUT" --list-only "$RSRC/" \
            >"$LOGDIR/list.top" 2>"$LOGDIR/list.err" &
        PROBE=$!
        ;;
    *)
        REMOTE=0
        [ -e "$1" ] || die "source '$1' does not exist"
        [ -d "$1" ] || die "source '$1' is not a directory"
        { [ -r "$1" ] && [ -x "$1" ] && ls -a -- "$1" >/dev/null 2>&1; } ||
            die "source '$1' is not readable"
        RSRC=$(cd -- "$1" && pwd -P) || die "cannot resolve source '$1'"
        for reserved in "$WORK_NAME" "$STATE_NAME"; do
            if [ -e "$RSRC/$reserved" ] || [ -L "$RSRC/$reserved" ]; then
                die "source contains '$reserved', which is reserved for homesync's own files"
            fi
        done
        ;;
    esac
}

# source_reached: dies unless open_source's listing of a daemon succeeded.
source_reached() {
    [ -n "$PROBE" ] || return 0
    wait "$PROBE" ||
        die "cannot reach $RSRC/: $(grep -v '^rsync error:' "$LOGDIR/list.err" | head -n 3 | tr '\n' ' ')"
    PROBE=
}

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

# The old homes' used bytes, and (rsync://) the change scan made beside the
# daemon: its home records give each home's inode; for final, every entry
# that changed since the oldest clean point of any user.
# source_facts: sets SRC_USED, SCAN_STATE, HS_SCAN; CTIME=0 unless a scan
# can prove what changed.
source_facts() {
    SCAN_STATE=none HS_SCAN=$LOGDIR/scan SRC_USED=
    if [ "$REMOTE" = 1 ] && [ "$MODE" != verify ]; then
        since=
        if [ "$MODE" = final ] && [ "$CTIME" = 1 ]; then
            for f in "$DST/$STATE_NAME/users"/* "$DST/$STATE_NAME/users"/.[!.]*; do
                [ -f "$f" ] || continue
                read -r _ c _ <"$f" || continue
                case $c in '' | *[!0-9]*) continue ;; esac
                if [ -z "$since" ] || [ "$c" -lt "$since" ]; then since=$c; fi
            done
        fi
        nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
        t_asked=$(now)
        scan_rc=0
        fetch_scan "${since:-tops}.$nonce" "$HS_SCAN" || scan_rc=$?
        source_reached
        if [ "$scan_rc" -eq 0 ]; then
            SRC_USED=$(meta_value "$HS_SCAN" used)
            lag=$(($(meta_value "$HS_SCAN" now) - t_asked))
            if [ "$lag" -lt "-$SKEW" ] || [ "$lag" -gt "$(($(now) - t_asked + SKEW))" ]; then
                SCAN_STATE="clock skew ${lag}s beyond the ${SKEW}s margin: no incremental pass"
            elif [ -n "$since" ]; then
                SCAN_STATE="changes since $since"
            else
                SCAN_STATE="homes only"
            fi
        else
            SCAN_STATE="unavailable: $(grep -v '^rsync error' "$HS_SCAN.log" | head -n 2 | tr '\n' ' ')"
            warn "no change scan from the daemon ($SCAN_STATE); every user is walked in full"
        fi
        case $SCAN_STATE in "changes since"*) ;; *) CTIME=0 ;; esac
    elif [ "$REMOTE" = 0 ]; then
        set -- $(df_bytes "$RSRC")
        SRC_USED=${2:-}
    fi
    source_reached
}

# The new share must hold the old homes with headroom; checked before
# anything is written (DEST may not exist yet: its nearest existing parent).
# check_capacity DEST: dies, having changed nothing, unless the old homes'
# SRC_USED bytes fit DEST's share with HEADROOM percent to spare.
check_capacity() {
    d=$(real_path "$1")
    while [ ! -d "$d" ]; do d=${d%/*}; d=${d:-/}; done
    set -- $(df_bytes "$d")
    if [ -n "${1:-}" ] && [ "$(df -P -- "$d" | awk 'NR == 2 { print $6 }')" != "$(
        [ "$REMOTE" = 1 ] || df -P -- "$RSRC" | awk 'NR == 2 { print $6 }')" ] &&
        [ $((SRC_USED + SRC_USED * HEADROOM / 100)) -gt "$1" ]; then
        die "the old homes use $SRC_USED bytes; the new share '$d' holds $1, less than that plus ${HEADROOM}% headroom: nothing copied"
    fi
}

# Batched incremental final: the deferred users' changed trees, directories
# and files, each kind in one rsync per part of the homes (final_parts; the
# paths are relative to the share).  Only then do their stamps move forward.
# If anything fails, or a directory appears that no tree covered (a rename
# that kept its ctime), those users are run again: their stamps are still
# open, so each is walked in full.  From a daemon its files are copied with
# -I, not compared by checksum first: each one's inode changed since the
# home's clean point, so nearly all of them differ, and a checksum reads
# every file once more across the network before the copy reads it again.
# A file whose content did not change (chmod, a new hard link, or a change
# inside the clock-skew margin that the last pass already copied) is
# rewritten: one more write.
batched_final() {
    : >"$LOGDIR/fin.out"
    : >"$LOGDIR/fin.err"
    : >"$LOGDIR/fin.users"
    NBATCH=0
    if [ -s "$LOGDIR/batch.joined" ]; then
        for list in "$LOGDIR"/batch.trees.* "$LOGDIR"/batch.dirs.* "$LOGDIR"/batch.files.*; do
            [ ! -e "$list" ] || cat "$list" >>"$LOGDIR/fin.${list#"$LOGDIR"/batch.}"
        done
        cat "$LOGDIR/batch.joined" >>"$LOGDIR/fin.users"
        NBATCH=$(wc -l <"$LOGDIR/batch.joined" | tr -d ' ')
    fi
    for d in "$LOGDIR"/u.*.defer; do
        [ -e "$d" ] || continue
        lb=${d%.defer}
        for kind in trees dirs files; do cat "$lb.$kind" >>"$LOGDIR/fin.$kind.0"; done
        cat "$d" >>"$LOGDIR/fin.users"
    done
    if [ -s "$LOGDIR/fin.users" ]; then
        final_parts
        if [ "$FINRC" -eq 0 ]; then
            # one mv for all: a process per stamp costs more than the batch
            (cd "$STATE/pending" && find . ! -name . -prune -type f ! -name '*.new' \
                -exec sh -c 'mv -f -- "$@" "$0"' "$STATE/users/" {} +) || { FINRC=1; err "cannot commit the stamps in $STATE/pending"; }
            [ "$NBATCH" -eq 0 ] || info "[final] $NBATCH users' changes copied in one batch"
        else
            NBATCH=0
            [ "$FINRC" -lt 0 ] || { err "batched final copy failed (rsync exit $FINRC):"; sed 's/^/    /' "$LOGDIR/fin.err" | head -n 20 >&2; }
            rm -rf -- "$STATE/pending" && mkdir -- "$STATE/pending"
            : >"$LOGDIR/fin.out"
            rm -f -- "$LOGDIR"/u.*.defer
            HS_DEFER=0
            # the workers' own arguments again (worker_defer): "IDX OLD NEW"
            # lines, or NUL-terminated ./NAME without a map
            if [ -n "$MAP" ]; then
                # shellcheck disable=SC2086
                xargs $XARGS_P -n 3 sh "$SELF" __worker <"$LOGDIR/fin.users" &
            else
                # shellcheck disable=SC2086
                xargs -0 $XARGS_P -n 1 sh "$SELF" __worker <"$LOGDIR/fin.users" &
            fi
            wait $!
        fi
    fi
}

# final_parts: copies the parts of the batch at once, each in its own
# rsyncs (final_part): one rsync over a thousand small files waits on one
# file after another.  A part holds whole homes: no two parts write in one
# directory, and no hard link spans two (bulk links none across homes
# either).  Their output joins fin.out and fin.err.  Sets FINRC: 0, the
# first failure's exit code, or -1 when a part found a new directory outside
# its changed trees (a rename that kept its ctime).
final_parts() {
    fp_pids= part=0
    while [ "$part" -lt "$PAR" ]; do
        final_part "$part" &
        fp_pids="$fp_pids $!" part=$((part + 1))
    done
    FINRC=0 fp_new=0
    for pid in $fp_pids; do
        wait "$pid"
        fp_one=$?
        if [ "$fp_one" -eq "$NEW_DIRECTORY" ]; then fp_new=1
        elif [ "$fp_one" -ne 0 ] && [ "$FINRC" -eq 0 ]; then FINRC=$fp_one; fi
    done
    # (a part's LOG.full is seen where it is: summarize reads every *.full)
    for out in "$LOGDIR"/fin.[0-9]*.out "$LOGDIR"/fin.[0-9]*.err; do
        [ ! -e "$out" ] || cat "$out" >>"$LOGDIR/fin.${out##*.}"
    done
    if [ "$FINRC" -eq 0 ] && [ "$fp_new" = 1 ]; then
        warn "a new directory outside the changed trees: walking the batched users in full"
        FINRC=-1
    fi
}

# final_part N: part N's changed trees (whole), then its changed directories
# (their entries, for deletions), then its changed files; returns rsync's
# exit code, or NEW_DIRECTORY when the directories' pass created one.
NEW_DIRECTORY=100
final_part() {
    fp_log=$LOGDIR/fin.$1 fp_trees=$LOGDIR/fin.trees.$1 fp_dirs=$LOGDIR/fin.dirs.$1 fp_files=$LOGDIR/fin.files.$1
    if [ "$REMOTE" = 1 ]; then fp_cmp=-I; else fp_cmp=--checksum; fi
    set -- --temp-dir="$WORK/tmp" --partial-dir="$WORK/partial/_final.$1" --delete --ignore-missing-args --from0
    if [ -s "$fp_trees" ]; then
        rs "$fp_log" -r "$@" --files-from="$fp_trees" --stats "$RSRC/" "$RDST/" || return
    fi
    if [ -s "$fp_dirs" ]; then
        rs "$fp_log" -d "$@" --files-from="$fp_dirs" --out-format='HSDIR %i' --stats "$RSRC/" "$RDST/" || return
        ! grep -q '^HSDIR cd+' "$fp_log.out" || return "$NEW_DIRECTORY"
    fi
    if [ -s "$fp_files" ]; then
        rs "$fp_log" "$fp_cmp" "$@" --files-from="$fp_files" --stats "$RSRC/" "$RDST/" || return
    fi
}
