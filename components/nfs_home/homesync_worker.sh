# homesync_worker.sh -- one user's home, one pass: copy (bulk, final) or
# compare (verify).  Sourced (`.`), never run; POSIX sh.  Invoked by xargs as
#   sh homesync.sh __worker ./NAME          (SOURCE/NAME -> DEST/NAME), or
#   sh homesync.sh __worker N OLD NEW       (--map: SOURCE/OLD/ -> DEST/NEW/,
#                                            N its line in the pairs file)
# Configuration comes from the HS_* environment set by the main process.

# worker_walk_reason TEXT: the user is walked in full, and the log says why
worker_walk_reason() {
    printf '%s: full walk\n' "$1" >>"$log.err"
    printf '%s\n' "$1" >"$log.why"
    walk=1
}

# worker_incremental: copy the lists in $log.trees/.dirs/.files from $sbase/
# to $dbase/ (see homesync_changes.sh); falls back to walk=1 when a copy
# shows the lists missed something.
worker_incremental() {
    if [ "$rc" -eq 0 ] && [ "$walk" = 0 ] && [ -s "$log.trees" ]; then
        rs "$log" -r "$@" --files-from="$log.trees" --out-format='HSTREE %i' --stats \
            "$sbase/" "$dbase/" || rc=$?
        # This rsync only sees the names inside the trees: a file it wrote
        # whose inode has other names elsewhere (and an old ctime, else they
        # are all in .files) was not linked to them: walk the whole home.
        if [ "$rc" -eq 0 ] && [ "$HS_REMOTE" = 0 ] && grep -q '^HSTREE [>ch]f' "$log.out" &&
            [ -n "$(cd "$sbase" && xargs -0 sh -c \
                'exec find "$@" -type f -links +1 ! -cnewer "$0"' "$ref" \
                <"$log.trees" 2>>"$log.err" | head -n 1)" ]; then
            worker_walk_reason "hard links in a new or moved directory"
        fi
    fi
    if [ "$rc" -eq 0 ] && [ "$walk" = 0 ] && [ -s "$log.dirs" ]; then
        rs "$log" -d "$@" --files-from="$log.dirs" --out-format='HSDIR %i' --stats \
            "$sbase/" "$dbase/" || rc=$?
        # a directory created here was missed by the tree rule (a rename
        # that kept its ctime): walk the whole home
        if [ "$rc" -eq 0 ] && grep -q '^HSDIR cd+' "$log.out"; then
            worker_walk_reason "new directory outside the changed trees"
        fi
    fi
    if [ "$rc" -eq 0 ] && [ "$walk" != 2 ] && [ -s "$log.files" ]; then
        rs "$log" --checksum "$@" --files-from="$log.files" --stats "$sbase/" "$dbase/" || rc=$?
    fi
}

# worker_local_changes: the lists from `find -cnewer` over the source home;
# may defer the copy to the main process's batch (walk=2).
worker_local_changes() {
    (cd "$sbase" && find "$rel" -cnewer "$ref" -print0) >"$log.changed" 2>>"$log.err" || rc=$?
    if [ "$rc" -eq 0 ] && [ -s "$log.changed" ]; then
        (cd "$sbase" && xargs -0 sh "$HS_SELF" __classify "$ref" "$dbase" "$rel" "$log" \
            <"$log.changed") 2>>"$log.err" || rc=$?
    fi
    # A hard link in a new or moved directory with an old ctime may have
    # names outside it, which a copy of the tree alone would not link.
    if [ "$rc" -eq 0 ] && [ "$HS_DEFER" = 1 ] && [ "$rel" != . ] && [ -s "$log.trees" ] &&
        [ -n "$(cd "$sbase" && xargs -0 sh -c 'exec find "$@" -type f -links +1 ! -cnewer "$0"' "$ref" \
            <"$log.trees" 2>>"$log.err" | head -n 1)" ]; then
        worker_walk_reason "hard links in a new or moved directory"
    fi
    [ "$walk" = 1 ] || worker_defer
}

# worker_defer: batched (walk=2) when the lists are relative to the share
# (the home keeps its name): the main process copies every deferred user's
# lists with one rsync per kind (an rsync per user costs more than the few
# entries it copies) and then commits the stamp prepared here.
worker_defer() {
    [ "$rc" -eq 0 ] && [ "$HS_DEFER" = 1 ] && [ "$rel" != . ] || return 0
    set_stamp "$HS_STATE/pending/${v#./}" $((t0 - HS_SKEW)) "$ino $((t0 - HS_SKEW))" || rc=$?
    # how the main process runs this worker again if the batch fails
    if [ -n "$idx" ]; then printf '%s %s %s\n' "$idx" "$u" "$v"; else printf '%s\0' "$v"; fi >"$log.defer"
    walk=2
}

worker() {
    if [ $# -eq 3 ]; then idx=$1 u=$2 v=$3; else idx= u=$1 v=$1; fi
    # a file name for this home's logs and partial files: a mapped name is one
    # already (check_map), any other is hashed
    if [ -n "$idx" ]; then key=m.$v; else key=$(printf '%s' "$v" | cksum | awk '{ print $1 "-" $2 }'); fi
    log=$HS_LOGDIR/u.$key
    printf '%s' "$v" >"$log.name"
    t0=$(now)
    rc=0 rechecked=0 walk=0
    : >"$log.out"
    : >"$log.err"
    if [ -n "$idx" ] && [ "$u" = "$v" ]; then
        # mapped to itself: the walk as for a renamed home, the changes by
        # share-relative paths, so they can join the batch
        from=$HS_SRC/$u/ to=$HS_DST/$v/ sbase=$HS_SRC dbase=$HS_DST rel=./$u fmt="$v/%n"
    elif [ -n "$idx" ]; then
        # renamed: trailing slashes copy OLD's contents and attributes into NEW
        from=$HS_SRC/$u/ to=$HS_DST/$v/ sbase=$HS_SRC/$u dbase=$HS_DST/$v rel=. fmt="$v/%n"
    else
        from=$HS_SRC/$u to=$HS_DST/ sbase=$HS_SRC dbase=$HS_DST rel=$u fmt=%n
    fi
    if [ -L "$HS_DST/$v" ]; then
        # Never through a link: rsync would write (and final delete) in its
        # target, outside DEST.  Only the link itself goes; its target stays.
        if [ "$HS_MODE" = verify ]; then
            printf 'HSITEM *symlink %s (a symlink where a home belongs)\n' "${v#./}" >>"$log.out"
            from= rc=0
        else
            rm -f -- "$HS_DST/$v" || rc=$?
            printf 'DEST/%s was a symlink: replaced by the copy\n' "${v#./}" >>"$log.err"
            rm -f -- "$HS_STATE/users/${v#./}"
        fi
    fi
    if [ "$HS_MODE" = verify ]; then
        [ -z "$from" ] ||
            rs "$log" -r -n --checksum --delete --out-format="HSITEM %i $fmt%L" --stats "$from" "$to" || rc=$?
    elif [ "$rc" -eq 0 ]; then
        set -- --temp-dir="$HS_WORK/tmp" --partial-dir="$HS_WORK/partial/$key"
        [ "$HS_MODE" = final ] && set -- "$@" --delete
        stamp=$HS_STATE/users/${v#./}
        ref=$log.ref
        full= walk=1 done_ino= done_clean= ino= fresh=0
        # nothing in DEST yet (the top-level pass may have made it, empty)
        [ -f "$stamp" ] || [ -n "$(ls -A -- "$HS_DST/$v" 2>/dev/null)" ] || fresh=1
        if [ -f "$stamp" ]; then
            # the home's inode and clean point when its last pass completed
            # (empty: never completed, or interrupted since)
            read -r done_ino done_clean _ <"$stamp" || :
            # in a batch that was not committed (homesync_batch.sh): open
            if [ -f "$HS_STATE/batch.open" ] && grep -q -x -F -e "${v#./}" "$HS_STATE/batch.open"; then
                done_ino= done_clean=
            fi
            open_stamp "$stamp" || { rc=1; stamp_failed "$stamp" "$log"; }
        fi
        if [ "$HS_REMOTE" = 1 ] && [ -n "$idx" ] && [ -f "$HS_SCAN/u.$idx" ]; then
            # the home's own record comes first (split_scan)
            read -r _ _ ino _ p <"$HS_SCAN/u.$idx" && [ "$p" = . ] || ino=
        elif [ "$HS_REMOTE" = 0 ]; then
            ino=$(ls -di -- "$sbase/$rel" 2>/dev/null) && ino=${ino#"${ino%%[! ]*}"} && ino=${ino%% *} || ino=
        fi
        if [ "$rc" -eq 0 ] && [ "$HS_CTIME" = 1 ] && [ "$HS_MODE" = final ] && [ -f "$stamp" ]; then
            if [ -z "$ino" ] || [ "$ino" != "$done_ino" ]; then
                worker_walk_reason "home replaced, or its last pass did not complete"
            elif [ -z "$done_clean" ]; then
                worker_walk_reason "DEST may hold files the source does not (no final since it was first filled)"
            else
                # Incremental final: DEST is what the last clean pass left, so
                # only what changed since its start is read.  One scan of the
                # source's metadata, next to the data; none of DEST.
                walk=0
                : >"$log.files"
                : >"$log.trees"
                : >"$log.dirs"
                [ "$HS_REMOTE" = 1 ] || set_stamp "$ref" "$done_clean" || rc=$?
                if [ "$HS_REMOTE" = 1 ]; then
                    why=$(scan_classify "$HS_SCAN/u.$idx" "$done_clean" "$dbase" "$log" "$rel") ||
                        worker_walk_reason "${why:-the change scan could not be read}"
                    [ "$walk" = 1 ] || worker_defer
                else
                    worker_local_changes
                fi
                [ "$walk" = 1 ] || [ ! -s "$log.files" ] || rechecked=$(count0 "$log.files")
                [ "$walk" = 1 ] || worker_incremental "$@" --ignore-missing-args --from0
            fi
        fi
        if [ "$walk" = 1 ] && [ "$rc" -eq 0 ] && [ "$HS_CTIME" = 1 ] && [ "$HS_REMOTE" = 0 ] && [ -f "$stamp" ]; then
            # files whose inode changed since the last completed pass began:
            # the only ones whose content may differ while size and mtime match
            (cd "$sbase" && find "$rel" -type f -cnewer "$stamp" -print0) \
                >"$log.ctime" 2>>"$log.err" || rc=$?
            rechecked=$(count0 "$log.ctime")
            if [ "$rc" -eq 0 ] && [ "$rechecked" -gt 0 ]; then
                rs "$log" --checksum --files-from="$log.ctime" --from0 "$@" --stats \
                    "$sbase/" "$dbase/" || rc=$?
            fi
        elif [ "$walk" = 1 ] && [ "$fresh" = 0 ] && [ ! -f "$stamp" ] && [ "$HS_CTIME" = 1 ]; then
            full=--checksum # copied without a stamp: compare everything once
        fi
        if [ "$walk" = 1 ] && [ "$HS_MODE" = final ] && [ ! -s "$log.why" ]; then
            if [ "$HS_CTIME" = 0 ]; then echo "no change scan (see change_scan)"; else echo "no stamp yet"; fi >"$log.why"
        fi
        if [ "$walk" = 1 ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 24 ]; }; then
            rs "$log" -r $full "$@" --stats "$from" "$to" || rc=$?
        fi
        # 24 = "some source files vanished": normal while users still work.
        if [ "$rc" -eq 24 ] && [ "$HS_MODE" = bulk ]; then rc=0; fi
        if [ "$rc" -eq 0 ] && [ "$HS_STAMPS" = 1 ] && [ "$walk" != 2 ]; then
            # complete: the stamp names the home's inode again, and the clean
            # point moves on after a final or a first copy
            clean=
            if [ "$HS_MODE" = final ] || [ "$fresh" = 1 ]; then
                clean=$((t0 - HS_SKEW))
            elif [ -n "$ino" ] && [ "$ino" = "$done_ino" ]; then
                clean=$done_clean
            fi
            set_stamp "$stamp" $((t0 - HS_SKEW)) "${ino:+$ino${clean:+ $clean}}" ||
                { rc=1; stamp_failed "$stamp" "$log"; }
        fi
    fi
    worker_result
}

# worker_result: $log.res ("rc files bytes seconds diffs rechecked walked")
# and one line on stderr.
worker_result() {
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
    elif [ -e "$log.full" ]; then
        err "[$HS_MODE] user $name: not finished, no space left (see the last line)"
    else
        err "[$HS_MODE] user $name: rsync exit $rc"
        sed 's/^/    /' "$log.err" | head -n 20 >&2
    fi
    return 0
}
