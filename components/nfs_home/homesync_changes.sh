# homesync_changes.sh -- what changed in a user's home since its stamp, as
# the lists an incremental final copies: from a local source (find -cnewer)
# or from the old side's change scan served beside an rsync daemon
# (components/legacy/scan_changes.sh).  Sourced (`.`), never run; POSIX sh.
#
# Lists, NUL-terminated, paths relative to the home's base directory:
#   OUT.files  every non-directory: compared by checksum and copied (the
#              batched final copies them without comparing: batched_final);
#   OUT.trees  DIR/. for a directory that may hold entries older than the
#              stamp the destination has never seen (it is missing there, or
#              it and its parent both changed: created, or renamed into place,
#              since rename changes the moved inode's ctime): copied
#              recursively;
#   OUT.dirs   DIR/. for any other changed directory: entries were added,
#              removed or renamed in it, or its own attributes changed;
#              synced one level deep (rsync -d), which deletes what is gone.
# Directories inside a tree are left to the tree's recursive copy.

# classify STAMP DBASE ROOT OUT PATH...: run in the source base directory on
# the paths whose ctime is newer than STAMP (find's pre-order, so a directory
# comes before what it holds); appends them to OUT.files/.trees/.dirs.
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

# ------------------------------------------------ the old side's change scan
# fetch_scan TOKEN DIR: fetch the scan TOKEN (tops.NONCE or SINCE.NONCE) of
# the homes at $RSRC from the `changes` module beside its daemon into DIR
# (meta, list).  The daemon runs the scan before it sends anything.
fetch_scan() {
    fs_url=${RSRC#rsync://}
    fs_host=${fs_url%%/*}
    fs_path=${fs_url#*/}
    case $fs_path in */*) fs_path=${fs_path#*/} ;; *) fs_path= ;; esac
    mkdir -p -- "$2" &&
        rsync -r "$SOCKOPTS" --contimeout="$CONTIMEOUT" "rsync://$fs_host/changes/$1/${fs_path:+$fs_path/}" "$2/" \
            >"$2.log" 2>&1 &&
        grep -q -x 'status ok' "$2/meta" 2>/dev/null
}

# meta_value DIR KEY -> the value of KEY in DIR/meta
meta_value() { sed -n "s/^$2 //p" "$1/meta"; }

# split_scan DIR PAIRS: cut DIR/list into one file per mapped user,
# DIR/u.N for the Nth line "OLD NEW" of PAIRS, with lines
# "CTIME NLINK INODE MODE PATH", PATH relative to the home ("." is the home).
# A user whose list holds a name with a newline gets a line "!" instead:
# its changes cannot be listed line by line, so it is walked in full.
split_scan() {
    awk -v dir="$1" -v mark="$(meta_value "$1" nonce)" '
        NR == FNR { user[$2] = $1; next }
        index($0, mark " ") == 1 {
            if (out != "") close(out)
            out = ""
            name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", name)
            top = name; sub(/^\.\//, "", top); rest = top; sub(/\/.*/, "", top)
            if (name == "." || !(top in user)) next
            out = dir "/u." user[top]
            rel = (rest == top) ? "." : "." substr(rest, length(top) + 1)
            print $2, $3, $4, $5, rel >>out
            next
        }
        out != "" { print "!" >>out } # a name continued on this line
    ' "$2" "$1/list"
}

# scan_classify SCAN CLEAN DBASE OUT [ROOT]: from a user's scan records
# (split_scan), the lists an incremental final copies, like classify, for the
# entries whose ctime is at CLEAN or later; paths are ROOT/... ("." default:
# relative to the home; "./NAME" relative to the share).  Prints a reason and fails when the changes
# cannot be proven from the scan: then the user is walked in full.
scan_classify() {
    grep -q -x '!' "$1" && { echo "a changed name holds a newline"; return 1; }
    # kind (d: directory), whether its parent changed too, path; and the
    # files with other names whose ctime is older (the hard-link rule)
    sc_root=${5:-.}
    awk -v clean="$2" -v out="$4" -v root="$sc_root" '
        { sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ \./, "& ") } # split "./x" so that ROOT can replace "."
        {
            p = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ \. /, "", p); p = root p
        }
        $1 < clean + 0 {
            if (substr($4, 1, 1) == "8" && length($4) == 4 && $2 > 1) print p >(out ".oldlinks")
            next
        }
        {
            dir = (substr($4, 1, 1) == "4" && length($4) == 4)
            parent = p; sub(/\/[^\/]*$/, "", parent)
            if (dir) changed[p] = 1
            print (dir ? "d" : "f") ((parent in changed) ? 1 : 0) " " p
        }' "$1" >"$4.changed" || return 1
    : >"$4.files"
    : >"$4.trees"
    : >"$4.dirs"
    : >"$4.treelist"
    sc_tree=
    while IFS= read -r line; do
        kind=${line%"${line#?}"} p=${line#???} pchanged=${line#?}
        pchanged=${pchanged%"${pchanged#?}"}
        if [ "$kind" = f ]; then
            printf '%s\0' "$p" >>"$4.files"
            continue
        fi
        if [ -n "$sc_tree" ]; then
            case $p in "$sc_tree"/*) continue ;; esac
        fi
        if [ "$p" = "$sc_root" ]; then
            printf '%s/.\0' "$p" >>"$4.dirs"
        elif [ ! -d "$3/$p" ] || [ -L "$3/$p" ] || [ "$pchanged" = 1 ]; then
            sc_tree=$p
            printf '%s/.\0' "$p" >>"$4.trees"
            printf '%s\n' "$p" >>"$4.treelist"
        else
            printf '%s/.\0' "$p" >>"$4.dirs"
        fi
    done <"$4.changed"
    [ -e "$4.oldlinks" ] || : >"$4.oldlinks"
    # A file in a new or moved tree whose inode has other names elsewhere
    # (and an old ctime, else they are all listed) would not be linked to
    # them by a copy of the tree alone.
    if [ -s "$4.treelist" ] && [ -s "$4.oldlinks" ] && awk '
        NR == FNR { tree[++n] = $0; next }
        { for (i = 1; i <= n; i++) if (index($0, tree[i] "/") == 1) found = 1 }
        END { exit !found }' "$4.treelist" "$4.oldlinks"; then
        echo "hard links in a new or moved directory"
        return 1
    fi
    return 0
}
