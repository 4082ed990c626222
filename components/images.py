"""Container images used on both sides of a migration, pinned by digest."""

# instrumentisto/rsync-ssh: Alpine + rsync (busybox sh/find/stat/xargs), ~10 MB.
# Runs the sync Job on the new cluster and the read-only export on the old one.
# Tag and digest as pinned in public code (keatsfonam/kubectl-shrink-pvc,
# internal/datamover/datamover.go, DefaultImage).  Re-check with
# `crane digest instrumentisto/rsync-ssh:alpine3.23-r3` before bumping.
RSYNC_IMAGE = (
    "instrumentisto/rsync-ssh:alpine3.23-r3"
    "@sha256:6cbad37c2fbdca4ac7ad9d1c1bb8990af9efd4dc76321b349935876cbb1e9e4a"
)
