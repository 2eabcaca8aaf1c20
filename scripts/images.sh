#!/usr/bin/env bash
# `task images`: builds the four function images and the web app's for linux/amd64 and linux/arm64
# with buildx.
# IMAGE_REGISTRY (default ghcr.io/<you>/nudge) and IMAGE_TAG (default: the commit) name them;
# PUSH=1 pushes them (log in first: echo $TOKEN | docker login ghcr.io -u <you> --password-stdin).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_cmd docker "Install Docker with the buildx plugin."
registry=${IMAGE_REGISTRY:?set IMAGE_REGISTRY, e.g. ghcr.io/<github user>/nudge}
tag=${IMAGE_TAG:-$(image_tag)}
output=(--load)
platforms=linux/$(docker version -f '{{.Server.Arch}}')
if [ "${PUSH:-0}" = 1 ]; then
  output=(--push)
  platforms=linux/amd64,linux/arm64
fi

for fn in "${functions[@]}"; do
  step "$registry/$fn:$tag ($platforms)"
  docker buildx build "$repo_root" --platform "$platforms" --target function --build-arg "FUNCTION=$fn" \
    -t "$registry/$fn:$tag" "${output[@]}"
done
step "$registry/web:$tag ($platforms)"
docker buildx build "$repo_root" --platform "$platforms" --target web -t "$registry/web:$tag" "${output[@]}"
