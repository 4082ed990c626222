# homesync_lib.sh -- helpers shared by every part of homesync.sh: messages,
# the rsync call every pass uses, its statistics, the per-user stamps and the
# recognition of a full destination.  Sourced (`.`), never run; POSIX sh.

err() { printf '%s: error: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
info() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { err "$*"; exit 2; }

now() { date +%s; }

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

# rs LOGBASE ARGS...: rsync with the flags shared by every pass, output
# appended to LOGBASE.out/.err.  -r or -d is chosen by the caller; HS_XFLAGS
# holds optional flags without spaces.  --modify-window=-1 compares mtimes to
# the nanosecond (the default compares whole seconds, which leaves sub-second
# directory/symlink time drift alone).  Every path the caller passes starts
# with a directory or rsync:// prefix, so no user's name is ever an option.
rs() {
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
    # A full share: say so once, whatever rsync's exit code (11, 12 or 23).
    if [ "$rs_rc" -ne 0 ] && grep -q -e 'No space left on device' -e 'Disk quota exceeded' "$rs_base.err"; then
        : >"$rs_base.full"
    fi
    return "$rs_rc"
}

# stats FILE... -> "files bytes" summed over rsync --stats outputs
stats() {
    awk -F': ' '
        /^Number of regular files transferred:/ { v = $2; gsub(/[^0-9]/, "", v); f += v }
        /^Total transferred file size:/ { v = $2; gsub(/[^0-9]/, "", v); b += v }
        END { printf "%.0f %.0f\n", f, b }' "$@" </dev/null
}

# count0 FILE -> number of NUL-terminated entries in FILE
count0() { tr -cd '\000' <"$1" | wc -c | tr -d ' '; }

# A user's stamp, DEST/.homesync/users/NAME: its mtime is the start (less the
# clock margin) of the last pass that completed for that user; its one line
#   INODE [CLEAN]
# names the source home's inode then, and CLEAN, when present, the start of
# the last completed pass after which DEST held nothing the source did not
# (a final pass, or the first copy into a home that did not exist).  Bulk
# passes never delete, so they keep CLEAN where it was.  An incremental final
# reads what changed since CLEAN; without it the user is walked in full.

# set_stamp FILE EPOCH [LINE]: FILE's mtime becomes EPOCH and its content
# LINE (empty by default), atomically.
set_stamp() {
    { printf '%s\n' "${3:-}" >"$1.new"; } 2>/dev/null && touch -d "@$2" "$1.new" 2>/dev/null &&
        mv -f -- "$1.new" "$1"
}

# open_stamp FILE: empty FILE's content, keeping its mtime, atomically.  A
# stamp names the home's inode only while no pass is running for that user:
# an interrupted pass leaves it empty, and the next final walks the home.
open_stamp() {
    { printf '\n' >"$1.new"; } 2>/dev/null && touch -r "$1" "$1.new" && mv -f -- "$1.new" "$1"
}

# stamp_failed FILE LOG: a stamp could not be written: LOG.full when the
# share has no space left (the usual reason), the failure in LOG.err.
stamp_failed() {
    [ -e "$2.full" ] || df_bytes "$HS_DST" | awk '{ exit $3 > 0 }' && : >"$2.full"
    printf 'cannot write stamp %s\n' "$1" >>"$2.err"
}

# df_bytes DIR -> "size used available" in bytes of the filesystem holding DIR
df_bytes() {
    df -P -k -- "$1" 2>/dev/null | awk 'NR == 2 { printf "%.0f %.0f %.0f\n", $2 * 1024, $3 * 1024, $4 * 1024 }'
}

# disk_full_line SHARE SOURCE_USED COPIED: the one line that reports a full
# share: what of the old homes is still to copy (their used bytes less the
# COPIED bytes of their copies so far) and what is free.
disk_full_line() {
    free=$(df_bytes "$1" | awk '{ print $3 }')
    need=$((${2:-0} - ${3:-0}))
    [ "$need" -gt 0 ] || need=0
    printf "share '%s' is full (No space left on device): %s bytes of the old homes still to copy, %s bytes free\n" \
        "$1" "$need" "${free:-0}"
}
