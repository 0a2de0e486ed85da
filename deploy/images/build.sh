#!/usr/bin/env bash
# Builds Courier's container images into podman, without Docker and without any registry but Debian's and Maven
# Central:
#
#   1. the JRE base image courier/courier-jre:17: Debian 12 (debootstrap --variant=minbase) with
#      openjdk-17-jre-headless, curl (podman runs a Kubernetes httpGet probe as `curl -f` inside the container) and
#      the user courier (uid/gid 1001, the manifests' runAsUser); imported into podman and saved as a docker-archive
#      tarball, .local/images/courier-jre-17.tar, which is what Jib reads (Jib takes a base image from a registry, a
#      Docker daemon or a tarball). Built once; --rebuild-base builds it again (about 3-4 min, mostly downloads);
#   2. the three service images with Jib (`mvn -Pimage package`, the root pom's `image` profile), loaded into podman
#      (`podman load`) as courier/courier-{accepter,listener,cache}-service:<version>, the names the Kubernetes
#      manifests (deploy/k8s) use.
#
# Usage: deploy/images/build.sh [--rebuild-base] [--base-only]
#
# Needs: root (debootstrap), debootstrap, podman and runc (Debian: apt-get install -y podman runc debootstrap), Java 17
# and Maven. Podman's settings come from deploy/images/containers.conf (runc, lowered ulimits) unless CONTAINERS_CONF
# is set. Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), MVN (default mvn), MAVEN_ARGS (extra
# Maven arguments, e.g. -o).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
IMAGES_DIR="$ROOT/.local/images"
# The tarball's path is also the default of the root pom's courier.image.base property.
BASE_TAR="$IMAGES_DIR/courier-jre-17.tar"
BASE_IMAGE="localhost/courier/courier-jre:17"
SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
MVN="${MVN:-mvn}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$SCRIPT_DIR/containers.conf}"

say() { printf '==> %s\n' "$*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

rebuild_base=false
base_only=false
for arg in "$@"; do
    case "$arg" in
        --rebuild-base) rebuild_base=true ;;
        --base-only) base_only=true ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$arg' (--help lists them)" ;;
    esac
done

command -v podman >/dev/null || die "podman not found (Debian: apt-get install -y podman runc)"

build_base() {
    local rootfs="$IMAGES_DIR/jre-rootfs"
    command -v debootstrap >/dev/null || die "debootstrap not found (Debian: apt-get install -y debootstrap)"
    [[ "$(id -u)" -eq 0 ]] || die "building the base image needs root (debootstrap); or copy $BASE_TAR from a machine that built it"
    mkdir -p "$IMAGES_DIR"
    rm -rf "$rootfs"
    say "Building the JRE base root file system ($SUITE, $DEBIAN_MIRROR) in $rootfs"
    debootstrap --variant=minbase --include=openjdk-17-jre-headless,curl "$SUITE" "$rootfs" "$DEBIAN_MIRROR" \
        >"$IMAGES_DIR/debootstrap.log" 2>&1 || { tail -n 30 "$IMAGES_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $IMAGES_DIR/debootstrap.log)"; }
    # The services' user. Its home is /tmp: the manifests mount an emptyDir there and keep the root file system
    # read-only.
    echo 'courier:x:1001:' >>"$rootfs/etc/group"
    echo 'courier:x:1001:1001:Courier:/tmp:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
    # What a runtime image does not need: the package cache and lists, documentation, translations (about 250 MiB).
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc \
        "$rootfs"/usr/share/man "$rootfs"/usr/share/locale
    say "Importing it into podman as $BASE_IMAGE"
    tar -C "$rootfs" --numeric-owner -c . |
        podman import -q --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' --change 'USER 1001' \
            --change 'CMD ["java", "-version"]' - "$BASE_IMAGE" >/dev/null
    podman run --rm --network=host "$BASE_IMAGE" java -version 2>&1 | sed 's/^/    /'
    say "Saving it for Jib as $BASE_TAR"
    rm -f "$BASE_TAR"
    podman save -q --format docker-archive -o "$BASE_TAR" "$BASE_IMAGE"
    rm -rf "$rootfs"
}

if [[ "$rebuild_base" == true || ! -f "$BASE_TAR" ]]; then
    build_base
else
    say "Base image: $BASE_TAR (exists; --rebuild-base builds it again)"
fi
[[ "$base_only" == false ]] || exit 0

say "Building the service images with Jib (mvn -Pimage package)"
# shellcheck disable=SC2086 # MAVEN_ARGS is a list of arguments
(cd "$ROOT" && "$MVN" -B -ntp -q ${MAVEN_ARGS:-} -Pimage -DskipTests -Dspotless.check.skip=true \
    -Dcourier.image.base="$BASE_TAR" -pl accepter-service,listener-service,cache-service -am package)
podman images --filter reference='courier/*' --format '    {{.Repository}}:{{.Tag}}  {{.Size}}  {{.CreatedSince}}'
