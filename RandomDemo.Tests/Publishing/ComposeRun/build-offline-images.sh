#!/usr/bin/env bash
# Builds, with no image registry on the internet, the images the compose run test starts:
#   1. a base image equivalent to mcr.microsoft.com/dotnet/aspnet (Debian bookworm, the ASP.NET Core
#      runtime of the machine's .NET install in /usr/share/dotnet, the non-root user app, UID 1654);
#   2. the three services, with the documented command (scripts/build-images.sh), from that base
#      served by a local registry (the SDK pulls its base image from a registry, never from the engine);
#   3. a dashboard image from the dashboard package Aspire restored (in place of the public one).
# The container engine is podman, with the storage and settings the caller's environment names.
#
# usage: build-offline-images.sh WORK_DIR REGISTRY_PORT DASHBOARD_DIR DASHBOARD_IMAGE
set -euo pipefail

(($# == 4)) || { echo "usage: $0 WORK_DIR REGISTRY_PORT DASHBOARD_DIR DASHBOARD_IMAGE" >&2; exit 2; }
work=$1 registry_port=$2 dashboard_dir=$3 dashboard_image=$4
repository=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
base_image=randomdemo-offline/aspnet:10.0

echo "base image: debootstrap"
rootfs=$work/rootfs
# What the aspnet image holds beyond the runtime: certificates, ICU, OpenSSL, time zones.
debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,tzdata bookworm "$rootfs" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc "$rootfs"/usr/share/man

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
mkdir -p "$rootfs/usr/share/dotnet/shared" "$rootfs/usr/share/dotnet/host"
cp -a "$dotnet_root/dotnet" "$rootfs/usr/share/dotnet/"
cp -a "$dotnet_root/host/fxr" "$rootfs/usr/share/dotnet/host/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$rootfs/usr/share/dotnet/shared/"
ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
chroot "$rootfs" groupadd --gid 1654 app
chroot "$rootfs" useradd --uid 1654 --gid 1654 --create-home --home-dir /home/app --shell /bin/sh app
tar -C "$rootfs" -c . | podman import --quiet \
  --change 'ENV APP_UID=1654' --change 'ENV ASPNETCORE_HTTP_PORTS=8080' --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
  - "$base_image" >/dev/null
rm -rf "$rootfs"

echo "base image: local registry on port $registry_port"
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$registry_port
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$registry_port/v2/" && break
  kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry.log" >&2; exit 1; }
  sleep 0.1
done
# The SDK takes a "localhost:PORT" registry as plain HTTP.
registry_base=localhost:$registry_port/$base_image
podman push --quiet --tls-verify=false "$base_image" "$registry_base"

echo "services: scripts/build-images.sh"
bash "$repository/scripts/build-images.sh" --base-image "$registry_base" --engine podman

echo "dashboard: $dashboard_image"
context=$work/dashboard
mkdir -p "$context"
cp -a "$dashboard_dir" "$context/app"
# The package's files are not readable by others; the image runs the dashboard as app.
chmod -R a+rX "$context/app"
cat >"$context/Containerfile" <<EOF
FROM $base_image
COPY app/ /app/
WORKDIR /app
USER 1654
ENTRYPOINT ["/app/Aspire.Dashboard"]
EOF
podman build --quiet --tag "$dashboard_image" "$context" >/dev/null
rm -rf "$context"
