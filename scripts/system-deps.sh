#!/usr/bin/env bash
# Debian packages rrmm needs outside Python: Chromium (browser tests through Playwright),
# Pango with fonts (WeasyPrint's PDF reports), PostgreSQL (the cohort tests start a throwaway
# server) and a Java 17+ runtime (the Spark engine; skipped when one is already on PATH).
# Installs only what is missing; never prompts.
set -euo pipefail

packages=(chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql)
java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}
major=$(command -v java >/dev/null && java_major || true)
if [ -z "$major" ] || [ "$major" -lt 17 ]; then
    packages+=(openjdk-17-jre-headless)
fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "rrmm needs these Debian packages (or their equivalents): ${missing[*]}" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install as root: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo -n)
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq </dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
