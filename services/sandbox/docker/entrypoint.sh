#!/bin/sh
# Entry point of the sandbox container (a "node" on a Docker host or in Kubernetes).
# Verifies the node first: kernel, Landlock, libseccomp, a probe and a self-test
# (bootstrap.sh --verify; it names what is missing and the container exits 1).
# Then runs the given command, or, with none, stays up for `docker exec <c> iron-sandbox -- ...`.
set -eu
/opt/iron-sandbox/node/bootstrap.sh --verify
if [ "$#" -gt 0 ]; then exec "$@"; fi
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
