# homesync_report.sh -- the end of a run: per-user results summed up, the
# JSON report (--report) and the closing lines on stderr.  Sourced (`.`),
# never run; POSIX sh.  Reads the main process's variables (MODE, RSRC, RDST,
# LOGDIR, NUSERS, ...) and sets STATUS.

# summarize: FILES BYTES RECHECKED WALKED FAILED FULL from LOGDIR/u.*.res
summarize() {
    FAILED=0 FILES=0 BYTES=0 RECHECKED=$CT_TOP WALKED=0 FULL=0
    : >"$LOGDIR/failed"
    : >"$LOGDIR/walked"
    for r in "$LOGDIR"/u.*.res; do
        [ -e "$r" ] || continue
        read -r rc f b _s _d c w <"$r"
        FILES=$((FILES + f)) BYTES=$((BYTES + b)) RECHECKED=$((RECHECKED + c))
        n=$(cat "${r%.res}.name")
        if [ "$w" = 1 ]; then
            WALKED=$((WALKED + 1))
            why=walked
            [ ! -s "${r%.res}.why" ] || why=$(head -n 1 "${r%.res}.why")
            printf '%s\t%s\n' "${n#./}" "$why" >>"$LOGDIR/walked"
        fi
        [ ! -e "${r%.res}.full" ] || FULL=1
        if [ "$rc" -ne 0 ]; then
            FAILED=$((FAILED + 1))
            printf '%s\n' "$(json_str "${n#./}")" >>"$LOGDIR/failed"
        fi
    done
    for f in "$LOGDIR"/*.full; do [ ! -e "$f" ] || FULL=1; done
    NDONE=$(($(find "$LOGDIR" -name 'u.*.res' | wc -l | tr -d ' ') + NBATCH))
    [ "$NBATCH" -eq 0 ] || RECHECKED=$((RECHECKED + $(cat "$LOGDIR"/batch.files.* 2>/dev/null | count0 /dev/stdin)))
    if [ "$NDONE" -ne "$NUSERS" ]; then
        err "only $NDONE of $NUSERS user directories finished"
        FAILED=$((FAILED + NUSERS - NDONE))
    fi
}

# copied_bytes: bytes the copies of the homes take in DEST so far (du)
copied_bytes() {
    if [ -n "$MAP" ]; then
        while read -r _ _ home; do du -sk -- "$RDST/$home"; done <"$LOGDIR/pairs"
    else
        (cd "$RDST" && xargs -0 du -sk -- <"$LOGDIR/users")
    fi 2>/dev/null | awk '{ k += $1 } END { printf "%.0f\n", k * 1024 }'
}

# json_list FILE: a JSON array of its lines
json_list() {
    sep=
    printf '['
    while IFS= read -r line; do printf '%s%s' "$sep" "$(json_str "$line")"; sep=', '; done <"$1"
    printf ']'
}

json_bool() { if [ "$1" = 1 ]; then echo true; else echo false; fi; }

# json_walked: {"user": "why", ...} for the users walked in full
json_walked() {
    sep=
    printf '{'
    while IFS="$(printf '\t')" read -r user why; do
        printf '%s%s: %s' "$sep" "$(json_str "$user")" "$(json_str "$why")"
        sep=', '
    done <"$LOGDIR/walked"
    printf '}'
}

write_report() {
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
        printf '  "walked_fully": %s,\n' "$(json_walked)"
        printf '  "change_scan": %s,\n' "$(json_str "$SCAN_STATE")"
        printf '  "disk_full": %s,\n' "$(json_bool "$FULL")"
        printf '  "started_at": "%s",\n' "$STARTED"
        printf '  "duration_seconds": %s,\n' "$DURATION"
        printf '  "xattrs": %s,\n' "$(json_bool "$XATTRS")"
        printf '  "acls": %s,\n' "$(json_bool "$ACLS")"
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
}

# finish: status, report, closing lines; sets STATUS
finish() {
    set -- $(stats "$LOGDIR/top.out" "$LOGDIR/fin.out")
    FILES=$((FILES + $1)) BYTES=$((BYTES + $2))
    DURATION=$(($(now) - T0))
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
    [ -z "$REPORT" ] || write_report
    [ "$FULL" = 0 ] || err "$(disk_full_line "$RDST" "$SRC_USED" "$(copied_bytes)")"
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
    elif [ "$WALKED" -gt 0 ] && [ "$MODE" = final ]; then
        info "$WALKED user(s) walked in full: $(head -n 20 "$LOGDIR/walked" | tr '\t\n' ': ')"
    fi
    info "$RESULT: mode=$MODE users=$NUSERS failed=$FAILED files=$FILES bytes=$BYTES seconds=$DURATION"
}
