#!/usr/bin/env bash
# Builds the container image of every service (generator, gateway, streaming) with the .NET SDK's
# container support (dotnet publish -t:PublishContainer) into the local Docker or Podman engine.
# The images are named as the published docker-compose.yaml expects them: randomdemo-<service>:<tag>.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
  cat <<'EOF'
usage: scripts/build-images.sh [--base-image IMAGE] [--engine docker|podman] [--tag TAG]

  --base-image IMAGE  the image the services are built on (default: the SDK's choice,
                      mcr.microsoft.com/dotnet/aspnet:<.NET version>)
  --engine NAME       the local engine that receives the images: docker or podman
                      (default: the SDK looks for docker, then podman)
  --tag TAG           the image tag (default: latest)
EOF
}

fail() {
  echo "build-images: $1" >&2
  exit 2
}

base_image="" engine="" tag=latest
while (($#)); do
  case "$1" in
    --base-image | --engine | --tag)
      (($# >= 2)) && [[ -n "$2" ]] || fail "$1 needs a value"
      case "$1" in
        --base-image) base_image=$2 ;;
        --engine) engine=$2 ;;
        --tag) tag=$2 ;;
      esac
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument '$1'" ;;
  esac
done

properties=(-p:ContainerImageTag="$tag")
[[ -n "$base_image" ]] && properties+=(-p:ContainerBaseImage="$base_image")
case "$engine" in
  "") ;;
  docker) properties+=(-p:LocalRegistry=Docker) ;;
  podman) properties+=(-p:LocalRegistry=Podman) ;;
  *) fail "--engine must be docker or podman, not '$engine'" ;;
esac

# The projects that name an image (ContainerRepository) are the services.
mapfile -t projects < <(grep -l '<ContainerRepository>' RandomDemo.*/RandomDemo.*.csproj)
for project in "${projects[@]}"; do
  echo "build-images: $project"
  dotnet publish "$project" -c Release -t:PublishContainer --nologo -v:quiet "${properties[@]}"
done
