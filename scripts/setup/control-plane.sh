# Builders of the real-cluster test bed's Go tools: kube-apiserver, etcd, kube-router, and the
# probe agent (this project's own, src/sandbox/agent/). Sourced by scripts/run (which defines say,
# die, TOOLS, ROOT); each function is idempotent and skipped when its stamp in .tools/bin names
# the pinned version (the probe agent: the hash of its sources and the Go version).
#
# Usage (inside scripts/run): ensure_kube_apiserver; ensure_etcd; ensure_kube_router;
#                             ensure_probe_agent

readonly KUBERNETES_VERSION=v1.34.4          # k8s.io/kubernetes: kube-apiserver
readonly KUBERNETES_STAGING_VERSION=v0.34.4  # its staging modules (k8s.io/api, …) at the same release
readonly ETCD_VERSION=v3.6.16                # go.etcd.io/etcd/server/v3
readonly KUBE_ROUTER_VERSION=v2.1.0          # github.com/cloudnativelabs/kube-router/v2: the enforcer

# go build with the project's settings: static, reproducible paths, no user go.work or GOFLAGS.
# Usage: go_build DIR OUTPUT [go build args…]   (runs in DIR, writes OUTPUT atomically)
go_build() {
  local dir="$1" output="$2"
  shift 2
  mkdir -p "$(dirname "$output")"
  (cd "$dir" && CGO_ENABLED=0 GOWORK=off GOFLAGS='' go build -trimpath -o "$output.partial" "$@") ||
    return 1
  mv -f "$output.partial" "$output"
}

require_go() {
  command -v go >/dev/null 2>&1 ||
    die "Go is required to build $1 (only the tests and the sandbox need it). Install it from https://go.dev/dl/ (or 'apt-get install golang-go') and re-run."
}

# Directory of a module in the module cache, downloading it first.
# Usage: dir="$(module_dir k8s.io/kubernetes@v1.34.4)"
module_dir() {
  local json dir
  json="$(cd "$TOOLS" && GOFLAGS='' GOWORK=off go mod download -json "$1")" ||
    die "go mod download $1 failed"
  dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -d "$dir" ]] || die "go mod download did not report the module directory of $1"
  printf '%s' "$dir"
}

# kube-apiserver: k8s.io/kubernetes replaces every k8s.io/* staging module with ./staging/…, which
# its module zip does not contain, so `go install` refuses it. Build from a writable copy whose
# go.mod requires the published staging modules (k8s.io/api@v0.34.x, …) instead.
ensure_kube_apiserver() {
  local binary="$TOOLS/bin/kube-apiserver"
  local stamp="$TOOLS/bin/.kube-apiserver.stamp"
  local wanted="k8s.io/kubernetes@$KUBERNETES_VERSION"
  if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "$wanted" ]]; then
    return
  fi
  require_go kube-apiserver
  say "building kube-apiserver $KUBERNETES_VERSION (about 10-20 minutes and 2 GB of memory the first time)"
  local source work
  source="$(module_dir "$wanted")"
  work="$TOOLS/build/kubernetes-$KUBERNETES_VERSION"
  rm -rf "$work"
  mkdir -p "$TOOLS/build"
  cp -r "$source" "$work"
  chmod -R u+w "$work"
  rm -rf "$work/go.work" "$work/go.work.sum" "$work/vendor"
  local edits=() module
  while read -r module; do
    edits+=("-dropreplace=$module" "-require=$module@$KUBERNETES_STAGING_VERSION")
  done < <(cd "$work" && go mod edit -json | node -e '
    const mod = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    for (const r of mod.Replace ?? []) if (r.New.Path.startsWith("./staging/")) console.log(r.Old.Path);')
  ((${#edits[@]} > 0)) || die "no staging replace found in $wanted's go.mod"
  (cd "$work" && go mod edit "${edits[@]}") || die "go mod edit failed in $work"
  local version_pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $version_pkg.gitVersion=$KUBERNETES_VERSION -X $version_pkg.gitMajor=1"
  ldflags+=" -X $version_pkg.gitMinor=$(cut -d. -f2 <<<"$KUBERNETES_VERSION") -X $version_pkg.gitTreeState=clean"
  go_build "$work" "$binary" -mod=mod -ldflags "$ldflags" ./cmd/kube-apiserver ||
    die "building kube-apiserver failed (see the go output above)"
  rm -rf "$work"
  printf '%s' "$wanted" >"$stamp"
}

# etcd: its server module's main package, built through a throwaway wrapper module.
ensure_etcd() {
  local binary="$TOOLS/bin/etcd"
  local stamp="$TOOLS/bin/.etcd.stamp"
  local wanted="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "$wanted" ]]; then
    return
  fi
  require_go etcd
  say "building etcd $ETCD_VERSION (about a minute the first time)"
  local work="$TOOLS/build/etcd-$ETCD_VERSION"
  rm -rf "$work"
  mkdir -p "$work"
  (cd "$work" && go mod init fineract-netpol/etcd-build >/dev/null 2>&1 &&
    GOFLAGS='' GOWORK=off go get "$wanted" >&2) || die "go get $wanted failed"
  go_build "$work" "$binary" -mod=mod -ldflags "-s -w" go.etcd.io/etcd/server/v3 ||
    die "building etcd failed (see the go output above)"
  rm -rf "$work"
  printf '%s' "$wanted" >"$stamp"
}

# kube-router: the NetworkPolicy enforcer (its firewall controller: iptables + ipset).
ensure_kube_router() {
  local binary="$TOOLS/bin/kube-router"
  local stamp="$TOOLS/bin/.kube-router.stamp"
  local wanted="github.com/cloudnativelabs/kube-router/v2@$KUBE_ROUTER_VERSION"
  if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "$wanted" ]]; then
    return
  fi
  require_go kube-router
  say "building kube-router $KUBE_ROUTER_VERSION (a few minutes the first time)"
  local source
  source="$(module_dir "$wanted")"
  go_build "$source" "$binary" -mod=readonly -ldflags "-s -w" ./cmd/kube-router ||
    die "building kube-router failed (see the go output above)"
  printf '%s' "$wanted" >"$stamp"
}

# A Go program of this repository (its own folder and go.mod), built into .tools/bin/NAME when its
# sources (go.mod, go.sum when there is one, *.go) or the Go version change; the stamp also names
# PIN (e.g. a module version it builds against; may be empty). Without Go, a binary built earlier is
# used as it is (its sources cannot be compared then).
# Usage: build_project_tool NAME SOURCE_DIR PIN "what (for the progress line)" [go build args…]
build_project_tool() {
  local name="$1" source="$2" pin="$3" what="$4"
  shift 4
  local binary="$TOOLS/bin/$name"
  local stamp="$TOOLS/bin/.$name.stamp"
  if [[ -x "$binary" ]] && ! command -v go >/dev/null 2>&1; then
    return
  fi
  require_go "$name"
  local sources wanted
  sources="$(cd "$source" && sha256sum go.mod $([[ -f go.sum ]] && echo go.sum) ./*.go | sha256sum | cut -d' ' -f1)" ||
    die "cannot read the sources of $name in $source"
  wanted="${pin:+$pin }sources $sources $(GOTOOLCHAIN=local go env GOVERSION)"
  if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "$wanted" ]]; then
    return
  fi
  say "building $what"
  GOTOOLCHAIN=local go_build "$source" "$binary" "$@" . ||
    die "building $name failed (see the go output above)"
  printf '%s' "$wanted" >"$stamp"
}

# The probe agent: the sandbox's per-host prober (src/sandbox/agent/, standard library only, so it
# builds offline). Rebuilt when its sources or the Go version change.
ensure_probe_agent() {
  build_project_tool probe-agent "$ROOT/src/sandbox/agent" '' 'the probe agent (src/sandbox/agent)' -ldflags "-s -w"
}
