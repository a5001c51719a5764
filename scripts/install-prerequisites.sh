#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks (Debian packages only).
set -euo pipefail

if ! command -v dotnet >/dev/null; then
  echo "install-prerequisites: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

# command (or file) -> Debian package
declare -A wanted=(
  [chromium]=chromium
  [curl]=curl
  # The compose run test: docker-compose against podman (runc: crun refuses hybrid cgroups; dnsname:
  # service names resolve between containers), an offline base image (debootstrap) served to the
  # SDK's image build by a local registry.
  [docker-compose]=docker-compose
  [podman]=podman
  [runc]=runc
  [/usr/lib/cni/dnsname]=golang-github-containernetworking-plugin-dnsname
  [debootstrap]=debootstrap
  [docker-registry]=docker-registry
  # The streaming replicas' shared event log.
  [redis-server]=redis-server
  # nginx -t of the published proxy config in front of the streaming replicas.
  [/usr/sbin/nginx]=nginx-light
  # The offline Kubernetes schema validator (npm ci below).
  [npm]=npm
)
missing=()
for command in "${!wanted[@]}"; do
  if [[ $command == /* ]]; then
    [[ -e "$command" ]] || missing+=("${wanted[$command]}")
  else
    command -v "$command" >/dev/null || missing+=("${wanted[$command]}")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "install-prerequisites: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Aspire CLI (aspire run), pinned in dotnet-tools.json.
dotnet tool restore >/dev/null

# The offline Kubernetes schema validator of the publishing tests (npm packages pinned in its package-lock.json).
validator=RandomDemo.Tests/Publishing/KubernetesValidator
if [[ ! -d "$validator/node_modules" ]]; then
  npm ci --prefix "$validator" --no-audit --no-fund --loglevel=error >/dev/null
fi
