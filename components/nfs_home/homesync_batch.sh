# homesync_batch.sh -- the incremental final from an rsync daemon, decided
# in the main process for every home the change scan proves, with no process
# per home: a worker per home costs more than the few entries that changed
# in it (its shell, its awk, its stamp writes), and a share has thousands of
# homes.  Sourced (`.`), never run; POSIX sh.
#
# A home joins the batch when it keeps its name (the batched copy is one
# rsync over the whole share, by share-relative paths), its stamp is closed
# (INODE CLEAN: its last pass completed), the scan's record of it has that
# inode, its scan holds no name with a newline, DEST/<home> is not a
# symlink, and no new or moved directory in it holds a hard link with an old
# ctime.  Every other home goes to a worker (homesync_worker.sh), which finds
# its own reason to walk it in full or copies its changes itself.

# batch_open: DEST/.homesync/batch.open lists the homes of a batch not yet
# committed.  A home listed there from an interrupted run counts as a stamp
# left open: its next final walks it in full.
batch_open() { printf '%s\n' "$HS_STATE/batch.open"; }

# batch_plan PAIRS: fills LOGDIR/batch.users and, part N of PAR holding the
# homes whose index is N modulo PAR, LOGDIR/batch.{files,trees,dirs}.N for
# the homes that join the batch (lists NUL-terminated, share-relative, as
# batched_final copies them), writes their pending stamps, and leaves the
# other lines of PAIRS in LOGDIR/pairs.walk.
batch_plan() {
    bp=$LOGDIR/batch
    awk -v scan="$HS_SCAN" -v users="$HS_STATE/users/" -v open="$(batch_open)" -v out="$bp" '
        BEGIN { while ((getline l < open) > 0) was_open[l] = 1 }
        function walk() { print >(out ".walk") }
        {
            idx = $1; u = $2; v = $3
            if (u != v || (v in was_open)) { walk(); next }
            stamp = ""; if ((getline stamp < (users v)) <= 0) stamp = ""; close(users v)
            split(stamp, s, " ")
            f = scan "/u." idx
            if ((getline home < f) <= 0) { close(f); walk(); next }
            split(home, h, " ")
            if (s[2] !~ /^[0-9]+$/ || h[5] != "." || h[3] != s[1]) { close(f); walk(); next }
            n = 0; bad = 0
            while ((getline rec < f) > 0) { if (rec == "!") bad = 1; lines[++n] = rec }
            close(f)
            if (bad) { walk(); next }
            print idx, u, v, s[1], s[2] >(out ".users")
            # as scan_classify: d/f, whether the parent changed too, path
            delete changed
            if (h[1] >= s[2] + 0) { changed["./" v] = 1; print idx, "r0", "./" v >(out ".changed") }
            for (i = 1; i <= n; i++) {
                split(lines[i], r, " ")
                p = lines[i]; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ \./, "", p); p = "./" v p
                if (r[1] < s[2] + 0) {
                    if (substr(r[4], 1, 1) == "8" && length(r[4]) == 4 && r[2] > 1) print idx, p >(out ".oldlinks")
                    continue
                }
                dir = (substr(r[4], 1, 1) == "4" && length(r[4]) == 4)
                parent = p; sub(/\/[^\/]*$/, "", parent)
                if (dir) changed[p] = 1
                print idx, (dir ? "d" : "f") ((parent in changed) ? 1 : 0), p >(out ".changed")
            }
        }' "$1" || return 1
    : >"$bp.walk.x"
    [ -e "$bp.walk" ] || : >"$bp.walk"
    [ -e "$bp.users" ] || : >"$bp.users"
    [ -e "$bp.changed" ] || : >"$bp.changed"
    [ -e "$bp.oldlinks" ] || : >"$bp.oldlinks"
    # DEST/<home> a symlink: its worker replaces it
    while read -r idx u v _; do
        [ ! -L "$HS_DST/$v" ] || printf '%s\n' "$idx" >>"$bp.walk.x"
    done <"$bp.users"
    # The tree rule, DEST's side: a changed directory is copied whole when
    # DEST lacks it or its parent changed too; directories inside a tree are
    # left to the tree's copy.
    : >"$bp.kinds"
    bp_tree= bp_idx=
    # (split by hand: `read idx kind p` would strip a trailing blank from p,
    # and a changed "notes " would be listed as "notes", which is missing)
    while IFS= read -r line; do
        idx=${line%% *} kind=${line#* }
        p=${kind#* } kind=${kind%% *}
        [ "$idx" = "$bp_idx" ] || bp_tree= bp_idx=$idx
        case $kind in
        f*) printf '%s f %s\n' "$idx" "$p" >>"$bp.kinds"; continue ;;
        esac
        if [ -n "$bp_tree" ]; then
            case $p in "$bp_tree"/*) continue ;; esac
        fi
        if [ "$kind" != r0 ] && { [ ! -d "$HS_DST/$p" ] || [ -L "$HS_DST/$p" ] || [ "$kind" = d1 ]; }; then
            bp_tree=$p
            printf '%s t %s\n' "$idx" "$p" >>"$bp.kinds"
        else
            printf '%s d %s\n' "$idx" "$p" >>"$bp.kinds"
        fi
    done <"$bp.changed"
    # A file in a new or moved tree whose inode has other names elsewhere
    # (and an old ctime, else they are all listed) would not be linked to
    # them by a copy of the tree alone: its home goes to a worker.
    awk 'FILENAME == ARGV[1] { if ($2 == "t") { sub(/^[^ ]+ t /, ""); tree[++n] = $0 } ; next }
        { i = $1; p = $0; sub(/^[^ ]+ /, "", p)
          for (k = 1; k <= n; k++) if (index(p, tree[k] "/") == 1) print i }' \
        "$bp.kinds" "$bp.oldlinks" >>"$bp.walk.x"
    # the lists, in PAR parts of whole homes (final_parts copies them at
    # once), the pending stamps and the homes left to workers
    awk -v out="$bp" -v pending="$HS_STATE/pending/" -v clean="$((T0 - SKEW))" -v parts="$PAR" '
        FILENAME == ARGV[1] { x[$1] = 1; next }
        FILENAME == ARGV[2] {
            if ($1 in x) print $1, $2, $3 >>(out ".walk")
            else {
                print $3 >(out ".names"); print $1, $2, $3 >(out ".joined")
                print $4, clean >(pending $3); close(pending $3)
            }
            next
        }
        $1 in x { next }
        {
            p = $0; sub(/^[^ ]+ [^ ]+ /, "", p)
            part = $1 % parts
            if ($2 == "f") printf "%s%c", p, 0 >(out ".files." part)
            else printf "%s/.%c", p, 0 >(out ($2 == "t" ? ".trees." : ".dirs.") part)
        }' "$bp.walk.x" "$bp.users" "$bp.kinds" || return 1
    for k in names joined; do [ -e "$bp.$k" ] || : >"$bp.$k"; done
    mv -f -- "$bp.walk" "$LOGDIR/pairs.walk" || return 1
    [ -s "$bp.names" ] || return 0
    # pending stamps carry the run's start (less the margin) as their mtime
    # and the batch is open (with any earlier batch's homes) until committed
    (cd "$HS_STATE/pending" && find . -type f -exec touch -d "@$((T0 - SKEW))" {} +) &&
        { [ ! -f "$(batch_open)" ] || cat -- "$(batch_open)"; cat -- "$bp.names"; } >"$bp.open" &&
        mv -f -- "$bp.open" "$(batch_open)"
}
